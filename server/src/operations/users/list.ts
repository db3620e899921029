import { Type } from '@sinclair/typebox';
import { listUsers } from '../../users/users.ts';
import { Next, Paging, Text } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/users',
  auth: ['secret'],
  caller: 'app',
  tags: ['users'],
  summary: 'List users and agents',
  query: Type.Object(
    {
      externalId: Type.Optional(Text(200)),
      role: Type.Optional(User.properties.role),
      ...Paging,
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ users: Type.Array(User), next: Next }),
  run: (ctx, app, { query }) => listUsers(ctx, app, { ...query, limit: query.limit ?? 50 }),
});
