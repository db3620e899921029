import { Type } from '@sinclair/typebox';
import { deleteAgent } from '../../users/agents.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'DELETE',
  path: '/agents/:id',
  auth: ['secret'],
  caller: 'app',
  tags: ['agents'],
  summary: 'Delete an agent: deactivated and anonymised, never removed (its lines stay in transcripts)',
  params: IdParams,
  status: 204,
  response: Type.Null(),
  errors: [401, 403, 404],
  run: (ctx, app, { params }) => deleteAgent(ctx, app, params.id),
});
