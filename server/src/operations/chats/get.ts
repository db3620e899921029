import { Type } from '@sinclair/typebox';
import { getChat } from '../../chats/chats.ts';
import { ChatWithFields } from '../../wire/chat.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/chats/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'Get a chat; fields=users,history expands it',
  params: IdParams,
  query: Type.Object(
    { fields: Type.Optional(Type.String({ maxLength: 100 })) },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ chat: ChatWithFields }),
  realtime: { name: 'chats:get', params: { id: 'chatId' } },
  run: async (ctx, actor, { params, query }) => {
    const fields = (query.fields ?? '').split(',').map((f) => f.trim());
    return { chat: await getChat(ctx, actor, params.id, fields) };
  },
});
