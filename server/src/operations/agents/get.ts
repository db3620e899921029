import { Type } from '@sinclair/typebox';
import { getAgent } from '../../users/agents.ts';
import { IdParams } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/agents/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['agents'],
  summary: 'Get an agent',
  params: IdParams,
  status: 200,
  response: Type.Object({ agent: User }),
  run: async (ctx, actor, { params }) => ({ agent: await getAgent(ctx, actor, params.id) }),
});
