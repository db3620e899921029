import { Type } from '@sinclair/typebox';
import { Delivery } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { DeliveryParams, tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/webhooks/:id/deliveries/:deliveryId/retry',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'Send a delivery again (same webhook-id and body), with a fresh retry round',
  params: DeliveryParams,
  status: 202,
  response: Type.Object({ delivery: Delivery }),
  errors: [400, 401, 403, 404, 409],
  run: async (_ctx, app, { params }, services) => ({
    delivery: await webhooksOf(services).retry(app, params.id, params.deliveryId),
  }),
});
