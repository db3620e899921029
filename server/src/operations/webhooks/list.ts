import { Type } from '@sinclair/typebox';
import { Next, Paging } from '../../wire/fields.ts';
import { presentWebhook, Webhook } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/webhooks',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'List webhooks in registration order',
  query: Type.Object(Paging, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ webhooks: Type.Array(Webhook), next: Next }),
  run: async (_ctx, app, { query }, services) => {
    const { items, next } = await webhooksOf(services).list(app, query);
    return { webhooks: items.map(presentWebhook), next };
  },
});
