import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { deleteAgent } from '../../users/agents.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'DELETE',
  path: '/agents/:id',
  auth: ['secret'],
  caller: 'actor',
  tags: ['agents'],
  summary: 'Delete an agent: deactivated and anonymised, never removed (its lines stay in transcripts)',
  params: IdParams,
  status: 204,
  response: Type.Null(),
  errors: [401, 403, 404],
  run: (ctx, actor, { params }, _services, origin) =>
    deleteAgent(ctx, actor.app, params.id, auditBy(actor, origin.ip)),
});
