import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { eraseUser } from '../../privacy/erasure.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'DELETE',
  path: '/users/:id',
  auth: ['secret'],
  caller: 'actor',
  tags: ['users'],
  summary:
    'Erase an end user (docs/privacy.md): profile, message texts, files, sessions, and the same text in stored events, webhook deliveries and tickets; fires users:erased. 409 for an agent (DELETE /agents/{id}); again: 204',
  params: IdParams,
  status: 204,
  response: Type.Null(),
  errors: [400, 401, 403, 404, 409],
  run: (ctx, actor, { params }, _services, origin) =>
    eraseUser(ctx, actor.app, params.id, auditBy(actor, origin.ip)),
});
