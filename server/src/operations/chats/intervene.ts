import { interveneInChat } from '../../chats/intervene.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, ChatResponse, UserIdBody } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/chats/:id/intervene',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary:
    'Take a chat over (supervisor of its room, admin; the secret names an agent): the other agents leave, the caller joins; fires chats:leave, chats:join, chats:intervened',
  params: IdParams,
  body: UserIdBody,
  status: 200,
  response: ChatResponse,
  errors: CHANGE_ERRORS,
  run: async (ctx, actor, { params, body }) => ({ chat: await interveneInChat(ctx, actor, params.id, body) }),
});
