import { joinChat } from '../../chats/chats.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, ChatResponse, UserIdBody } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/chats/:id/join',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'An agent of the room joins; fires chats:join',
  params: IdParams,
  body: UserIdBody,
  status: 200,
  response: ChatResponse,
  errors: CHANGE_ERRORS,
  realtime: { name: 'chats:join', params: { id: 'chatId' } },
  run: async (ctx, actor, { params, body }) => ({ chat: await joinChat(ctx, actor, params.id, body) }),
});
