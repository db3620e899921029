import { Type } from '@sinclair/typebox';
import { presentWebhook, Webhook } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { Events, RateLimit, Target, tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/webhooks',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'Register a webhook: handshake with the target, then 201 with the secret (shown once)',
  body: Type.Object(
    { target: Target, events: Events, rateLimit: Type.Optional(RateLimit) },
    { additionalProperties: false },
  ),
  status: 201,
  response: Type.Object({ webhook: Webhook, secret: Type.String() }),
  errors: [400, 401, 403, 404, 409],
  run: async (_ctx, app, { body }, services) => {
    const { webhook, secret } = await webhooksOf(services).create(app, body);
    return { webhook: presentWebhook(webhook), secret };
  },
});
