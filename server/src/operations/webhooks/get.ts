import { Type } from '@sinclair/typebox';
import { IdParams } from '../../wire/fields.ts';
import { presentWebhook, Webhook } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/webhooks/:id',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'Get a webhook',
  params: IdParams,
  status: 200,
  response: Type.Object({ webhook: Webhook }),
  run: async (_ctx, app, { params }, services) => ({
    webhook: presentWebhook(await webhooksOf(services).get(app, params.id)),
  }),
});
