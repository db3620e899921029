import { Type } from '@sinclair/typebox';
import { issueToken } from '../../users/users.ts';
import { IdParams } from '../../wire/fields.ts';
import { Session } from '../../wire/user.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'POST',
  path: '/users/:id/token',
  auth: ['secret'],
  caller: 'app',
  tags: ['users'],
  summary: 'Issue a new session token for a user (409 for an erased one)',
  errors: [400, 401, 403, 404, 409],
  params: IdParams,
  status: 200,
  response: Type.Object({ session: Session }),
  run: async (ctx, app, { params }) => ({ session: await issueToken(ctx, app, params.id) }),
});
