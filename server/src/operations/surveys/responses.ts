import { Type } from '@sinclair/typebox';
import { listResponses } from '../../surveys/surveys.ts';
import { Id, Next, Paging, RoomId } from '../../wire/fields.ts';
import { SurveyResponse } from '../../wire/surveys.ts';
import { operation } from '../operation.ts';
import { SurveyParams, tags } from './schemas.ts';

const Seconds = Type.Integer({ minimum: 0, maximum: 2 ** 40 });

export default operation({
  method: 'GET',
  path: '/surveys/:surveyId/responses',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'A survey’s responses, newest first (the secret, an admin; a supervisor: its rooms’)',
  params: SurveyParams,
  query: Type.Object(
    {
      from: Type.Optional({ ...Seconds, description: 'answered at or after (Unix seconds)' }),
      to: Type.Optional({ ...Seconds, description: 'answered at or before (Unix seconds)' }),
      room: Type.Optional(RoomId),
      agent: Type.Optional({ ...Id, description: 'only chats this agent took part in' }),
      ...Paging,
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ responses: Type.Array(SurveyResponse), next: Next }),
  run: (ctx, actor, { params, query }) =>
    listResponses(ctx, actor, params.surveyId, { ...query, limit: query.limit ?? 50 }),
});
