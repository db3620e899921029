import { Type } from '@sinclair/typebox';
import { queuePositionOf } from '../../routing/status.ts';
import { Id } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/queues/update/:chatId',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'A chat’s position in its queue',
  params: Type.Object({ chatId: Id }),
  status: 200,
  response: Type.Object({
    chatId: Type.String(),
    userId: Type.String(),
    data: Type.Object({ queuePosition: Type.Union([Type.Integer(), Type.Null()]) }),
  }),
  run: (ctx, actor, { params }) => queuePositionOf(ctx, actor, params.chatId),
});
