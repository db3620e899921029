import { Type } from '@sinclair/typebox';
import { Tag } from '../../apps/settings.ts';
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
  summary: 'Change priority, externalId, lang, room (open chats) or tags (also closed ones)',
  params: IdParams,
  body: Type.Object(
    {
      priority: Type.Optional(Priority),
      externalId: Type.Optional(Text(200)),
      lang: Type.Optional(Lang),
      room: Type.Optional(RoomId),
      tags: Type.Optional(
        Type.Array(Tag, {
          maxItems: 20,
          description: 'replaces the chat’s tags; settings tags.allowed lists the allowed ones',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: ChatResponse,
  errors: CHANGE_ERRORS,
  run: async (ctx, actor, { params, body }) => ({ chat: await updateChat(ctx, actor, params.id, body) }),
});
