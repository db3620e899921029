import { Type } from '@sinclair/typebox';
import { requireAgentToken } from '../../policies/actor.ts';
import { listAgents } from '../../users/agents.ts';
import { Next, Paging } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/agents',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['agents'],
  summary: 'List agents',
  query: Type.Object(Paging, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ agents: Type.Array(User), next: Next }),
  run: (ctx, actor, { query }) => {
    if (actor.user) requireAgentToken(actor);
    return listAgents(ctx, actor.app, query);
  },
});
