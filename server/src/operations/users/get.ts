import { Type } from '@sinclair/typebox';
import { getUser } from '../../users/users.ts';
import { IdParams } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/users/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['users'],
  summary: 'Get a user',
  params: IdParams,
  status: 200,
  response: Type.Object({ user: User }),
  run: async (ctx, actor, { params }) => ({ user: await getUser(ctx, actor, params.id) }),
});
