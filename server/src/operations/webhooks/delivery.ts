import { Type } from '@sinclair/typebox';
import { Attempt, Delivery } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { DeliveryParams, tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/webhooks/:id/deliveries/:deliveryId',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'One delivery with every attempt and the payload sent',
  params: DeliveryParams,
  status: 200,
  response: Type.Object({ delivery: Delivery, attempts: Type.Array(Attempt), payload: Type.Unknown() }),
  run: (_ctx, app, { params }, services) => webhooksOf(services).delivery(app, params.id, params.deliveryId),
});
