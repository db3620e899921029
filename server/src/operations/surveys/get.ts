import { Type } from '@sinclair/typebox';
import { surveyForTaker } from '../../surveys/surveys.ts';
import { SurveyView } from '../../wire/surveys.ts';
import { operation } from '../operation.ts';
import { Source, SURVEY_PAGE_PATH, SurveyParams, tags } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/surveys/:surveyId',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'A survey for a chat’s end user: its questions and the hosted page (url) that asks them',
  params: SurveyParams,
  query: Type.Object(Source, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ survey: SurveyView }),
  run: (ctx, actor, { params, query }) => surveyForTaker(ctx, actor, params.surveyId, query),
  // The page's absolute address, on the host the caller reached (a webview opens it as it is).
  send: (reply, { survey, token }) => {
    const url = `${reply.request.protocol}://${reply.request.host}${SURVEY_PAGE_PATH}?t=${token}`;
    return reply.send({ survey: { id: survey.id, name: survey.name, url, questions: survey.questions } });
  },
});
