import { Type } from '@sinclair/typebox';
import { readMessage } from '../../chats/messages.ts';
import { Id, IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'PUT',
  path: '/messages/:id/read',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['messages'],
  summary: 'Mark a message read; the first read by a participant fires messages:read',
  params: IdParams,
  body: Type.Object({ userId: Type.Optional(Id) }, { additionalProperties: false }),
  status: 200,
  response: Type.Object({
    message: Type.Object({ id: Type.String(), chat: Type.String(), sender: Type.String() }),
    userId: Type.String(),
  }),
  realtime: { name: 'messages:read', params: { id: 'messageId' } },
  run: (ctx, actor, { params, body }) => readMessage(ctx, actor, params.id, body),
});
