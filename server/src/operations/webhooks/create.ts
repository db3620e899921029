import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { auditWebhook } from '../../webhooks/audit.ts';
import { presentWebhook, Webhook } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { Events, RateLimit, Target, tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/webhooks',
  auth: ['secret'],
  caller: 'actor',
  tags,
  summary: 'Register a webhook: handshake with the target, then 201 with the secret (shown once)',
  body: Type.Object(
    { target: Target, events: Events, rateLimit: Type.Optional(RateLimit) },
    { additionalProperties: false },
  ),
  status: 201,
  response: Type.Object({ webhook: Webhook, secret: Type.String() }),
  errors: [400, 401, 403, 404, 409],
  run: async (ctx, actor, { body }, services, origin) => {
    const { webhook, secret } = await webhooksOf(services).create(actor.app, body);
    await auditWebhook(ctx.store, auditBy(actor, origin.ip), 'webhooks.create', undefined, webhook);
    return { webhook: presentWebhook(webhook), secret };
  },
});
