import { Type } from '@sinclair/typebox';
import { loginAgent } from '../../users/sign-in.ts';
import { Text } from '../../wire/fields.ts';
import { Session, User } from '../../wire/user.ts';
import { operation } from '../operation.ts';
import { Password } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/agents/login',
  auth: ['secret', 'public'],
  caller: 'app',
  tags: ['agents'],
  summary: 'Agent login: a session, and status online (unless online: false)',
  body: Type.Object(
    {
      contact: Text(320),
      password: Password,
      // The admin app signs a person in without making it available for chats (docs/people.md).
      online: Type.Optional(Type.Boolean({ description: 'false: a session only, the status unchanged' })),
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ user: User, session: Session }),
  errors: [400, 401, 403, 429],
  run: (ctx, app, { body }, _services, origin) => loginAgent(ctx, app, body, origin.ip),
});
