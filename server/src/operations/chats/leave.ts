import { leaveChat } from '../../chats/chats.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, ChatResponse, UserIdBody } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/chats/:id/leave',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'A participant leaves; fires chats:leave',
  params: IdParams,
  body: UserIdBody,
  status: 200,
  response: ChatResponse,
  errors: CHANGE_ERRORS,
  realtime: { name: 'chats:leave', params: { id: 'chatId' } },
  run: async (ctx, actor, { params, body }) => ({ chat: await leaveChat(ctx, actor, params.id, body) }),
});
