import { Type } from '@sinclair/typebox';
import { int } from '../../limits/ranges.ts';
import { assignChat } from '../../routing/invitations.ts';
import { Chat } from '../../wire/chat.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { Algorithm, CHANGE_ERRORS } from './schemas.ts';

export default operation({
  method: ['GET', 'POST'],
  path: '/chats/:id/assign',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'Start the invitation loop (or answer with the running one)',
  params: IdParams,
  // The loop parameters: query here, data fields on the socket.
  query: Type.Object(
    {
      algorithm: Type.Optional(Algorithm),
      maxAttempts: Type.Optional(int('attempts')),
      interval: Type.Optional(int('durationDay', { minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  status: 202,
  response: Type.Object({
    chat: Chat,
    assignment: Type.Object({ maxAttempts: Type.Integer(), interval: Type.Integer(), algorithm: Algorithm }),
  }),
  errors: CHANGE_ERRORS,
  realtime: { name: 'chats:assign', params: { id: 'chatId' } },
  run: (ctx, actor, { params, query }) => assignChat(ctx, actor, params.id, query),
});
