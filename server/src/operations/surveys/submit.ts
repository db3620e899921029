import { Type } from '@sinclair/typebox';
import { submitSurvey } from '../../surveys/surveys.ts';
import { SurveyAnswer, SurveyResponse } from '../../wire/surveys.ts';
import { operation } from '../operation.ts';
import { Source, SurveyParams, tags } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/surveys/:surveyId/submit',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'Answer a closed chat’s survey: once per chat, within 7 days of the close; fires surveys:response',
  params: SurveyParams,
  body: Type.Object(
    { ...Source, answers: Type.Array(SurveyAnswer, { maxItems: 50 }) },
    { additionalProperties: false },
  ),
  status: 201,
  response: Type.Object({ response: SurveyResponse }),
  errors: [400, 401, 403, 404, 409],
  run: async (ctx, actor, { params, body }) => ({
    response: await submitSurvey(
      ctx,
      actor,
      params.surveyId,
      { sourceType: body.sourceType, sourceId: body.sourceId },
      body.answers,
    ),
  }),
});
