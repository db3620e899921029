import { Type } from '@sinclair/typebox';
import { requireAgentToken } from '../../policies/actor.ts';
import { logoutAgent } from '../../users/agents.ts';
import { Id, Success } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { Rooms } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/agents/logout',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['agents'],
  summary: 'Log an agent out of some rooms, or all (status offline)',
  body: Type.Object(
    { agentId: Type.Optional(Id), rooms: Type.Optional(Rooms) },
    { additionalProperties: false },
  ),
  status: 200,
  response: Success,
  run: async (ctx, actor, { body }) => {
    if (actor.user) requireAgentToken(actor);
    await logoutAgent(ctx, actor, body);
    return { success: true as const };
  },
});
