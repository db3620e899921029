import { Type } from '@sinclair/typebox';
import { closeChat } from '../../chats/chats.ts';
import { Id, IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, ChatResponse, CloseChatBody } from './schemas.ts';

export default operation({
  method: 'DELETE',
  path: '/chats/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'Close a chat; fires chats:close (and system:info with the ticket)',
  params: IdParams,
  query: Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false }),
  body: CloseChatBody,
  status: 200,
  response: ChatResponse,
  errors: CHANGE_ERRORS,
  realtime: { name: 'chats:close', params: { id: 'chatId' } },
  run: async (ctx, actor, { params, query, body }) => ({
    chat: await closeChat(ctx, actor, params.id, {
      ...(query.userId !== undefined ? { userId: query.userId } : {}),
      ...(body?.extraData !== undefined ? { extraData: body.extraData } : {}),
    }),
  }),
});
