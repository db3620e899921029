import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { exportUser } from '../../privacy/export.ts';
import { UserExport } from '../../wire/export.ts';
import { IdParams, Paging } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/users/:id/export',
  auth: ['secret'],
  caller: 'actor',
  tags: ['users'],
  summary:
    'Everything stored about an end user (docs/privacy.md): its profile and, a page of chats at a time, their messages it could see, history, files and tickets',
  params: IdParams,
  query: Type.Object({ ...Paging }, { additionalProperties: false }),
  status: 200,
  response: UserExport,
  errors: [400, 401, 403, 404, 409],
  run: (ctx, actor, { params, query }, _services, origin) =>
    exportUser(ctx, actor.app, params.id, query, auditBy(actor, origin.ip)),
});
