import { Type } from '@sinclair/typebox';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'DELETE',
  path: '/webhooks/:id',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'Delete a webhook with its delivery log',
  params: IdParams,
  status: 204,
  response: Type.Null(),
  run: (_ctx, app, { params }, services) => webhooksOf(services).remove(app, params.id),
});
