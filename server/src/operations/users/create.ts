import { Type } from '@sinclair/typebox';
import { createUser } from '../../users/users.ts';
import { Session, User } from '../../wire/user.ts';
import { operation } from '../operation.ts';
import { UserBody } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/users',
  auth: ['secret', 'public'],
  caller: 'app',
  tags: ['users'],
  summary: 'Create an end user and a session for them',
  body: UserBody,
  rate: 'users',
  status: 201,
  response: Type.Object({ user: User, session: Session }),
  errors: [400, 401, 403, 409],
  run: (ctx, app, { body }) => createUser(ctx, app, body),
});
