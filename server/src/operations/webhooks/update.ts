import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { auditWebhook } from '../../webhooks/audit.ts';
import { IdParams } from '../../wire/fields.ts';
import { presentWebhook, Webhook } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { Events, RateLimit, Target, tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/webhooks/:id',
  auth: ['secret'],
  caller: 'actor',
  tags,
  summary: 'Change a webhook; a new target repeats the handshake; active: true resumes what is pending',
  params: IdParams,
  body: Type.Object(
    {
      target: Type.Optional(Target),
      events: Type.Optional(Events),
      active: Type.Optional(Type.Boolean()),
      rateLimit: Type.Optional(RateLimit),
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ webhook: Webhook }),
  run: async (ctx, actor, { params, body }, services, origin) => {
    const webhooks = webhooksOf(services);
    const before = await webhooks.get(actor.app, params.id);
    const after = await webhooks.update(actor.app, params.id, body);
    await auditWebhook(ctx.store, auditBy(actor, origin.ip), 'webhooks.update', before, after);
    return { webhook: presentWebhook(after) };
  },
});
