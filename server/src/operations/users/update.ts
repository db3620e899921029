import { Type } from '@sinclair/typebox';
import { updateUser } from '../../users/users.ts';
import { IdParams } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';
import { UserBody } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/users/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['users'],
  summary: 'Change a user (a token: only its own user)',
  params: IdParams,
  body: UserBody,
  status: 200,
  response: Type.Object({ user: User }),
  errors: [400, 401, 403, 404, 409],
  run: async (ctx, actor, { params, body }) => ({ user: await updateUser(ctx, actor, params.id, body) }),
});
