import { Type } from '@sinclair/typebox';
import { deleteCanned } from '../../canned/canned.ts';
import { auditBy } from '../../policies/audit.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { tags } from './schemas.ts';

export default operation({
  method: 'DELETE',
  path: '/canned/:id',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'Delete a canned response (an agent: only its own)',
  params: IdParams,
  status: 204,
  response: Type.Null(),
  run: (ctx, actor, { params }, _services, origin) =>
    deleteCanned(ctx, actor, params.id, auditBy(actor, origin.ip)),
});
