import { Type } from '@sinclair/typebox';
import { updateChat } from '../../chats/chats.ts';
import { IdParams, Lang, RoomId, Text } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, ChatResponse, Priority } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/chats/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'Change priority, externalId, lang or room',
  params: IdParams,
  body: Type.Object(
    {
      priority: Type.Optional(Priority),
      externalId: Type.Optional(Text(200)),
      lang: Type.Optional(Lang),
      room: Type.Optional(RoomId),
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: ChatResponse,
  errors: CHANGE_ERRORS,
  run: async (ctx, actor, { params, body }) => ({ chat: await updateChat(ctx, actor, params.id, body) }),
});
