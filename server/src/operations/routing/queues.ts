import { Type } from '@sinclair/typebox';
import { queuesStatus } from '../../routing/status.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/queues/status',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'Per room: waiting chats, agents online and available, oldest wait',
  status: 200,
  response: Type.Object({
    queues: Type.Record(
      Type.String(),
      Type.Object({
        waiting: Type.Integer(),
        agentsOnline: Type.Integer(),
        agentsAvailable: Type.Integer(),
        oldestWait: Type.Union([Type.Integer(), Type.Null()]),
      }),
    ),
  }),
  run: async (ctx, actor) => ({ queues: await queuesStatus(ctx, actor) }),
});
