import { Type } from '@sinclair/typebox';
import { IdParams } from '../../wire/fields.ts';
import { presentWebhook, Webhook } from '../../wire/webhook.ts';
import { operation } from '../operation.ts';
import { Events, RateLimit, Target, tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/webhooks/:id',
  auth: ['secret'],
  caller: 'app',
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
  run: async (_ctx, app, { params, body }, services) => ({
    webhook: presentWebhook(await webhooksOf(services).update(app, params.id, body)),
  }),
});
