import { Type } from '@sinclair/typebox';
import { IdParams, Next, Paging } from '../../wire/fields.ts';
import { Delivery, DeliveryStatus } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/webhooks/:id/deliveries',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'The delivery log, newest first',
  params: IdParams,
  query: Type.Object({ status: Type.Optional(DeliveryStatus), ...Paging }, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ deliveries: Type.Array(Delivery), next: Next }),
  run: (_ctx, app, { params, query }, services) => webhooksOf(services).deliveries(app, params.id, query),
});
