import { Type } from '@sinclair/typebox';
import { TRIGGERS } from '../../events/catalog.ts';
import { int } from '../../limits/ranges.ts';
import { presentWebhook } from '../../webhooks/registry.ts';
import type { Webhooks } from '../../webhooks/service.ts';
import { appOf } from '../auth.ts';
import { Id, IdParams, Next, Paging, withErrors } from '../schemas.ts';
import type { Http } from '../types.ts';

const Target = Type.String({ minLength: 1, maxLength: 2048, description: 'http or https URL' });
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  minItems: 1,
  maxItems: 50,
  description: `Triggers: ${TRIGGERS.join(', ')}`,
});
const RateLimit = int('rateLimit', { description: 'deliveries per second; 0 = none' });

export const WebhookSchema = Type.Object({
  id: Type.String(),
  target: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  disabledReason: Type.Optional(Type.String()),
  rateLimit: Type.Optional(Type.Integer()),
  created: Type.Integer(),
});

const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);

const DeliverySchema = Type.Object({
  id: Type.String(),
  webhookId: Type.String(),
  eventId: Type.String(),
  trigger: Type.String(),
  chatId: Type.Optional(Type.String()),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  nextAttempt: Type.Optional(Type.Integer()),
  lastStatus: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  created: Type.Integer(),
  updated: Type.Integer(),
  delivered: Type.Optional(Type.Integer()),
});

const AttemptSchema = Type.Object({
  id: Type.String(),
  created: Type.Integer(),
  status: Type.Union([Type.Integer(), Type.Null()]),
  duration: Type.Integer({ description: 'milliseconds' }),
  response: Type.String({ description: 'the first 4 KB of the answer' }),
  error: Type.Optional(Type.String()),
});

const DeliveryParams = Type.Object({ id: Id, deliveryId: Id });

/** Webhooks (spec section 3 and 8): registration with the handshake, secrets, and the delivery log. */
export function webhookRoutes(http: Http, webhooks: Webhooks): void {
  const tags = ['webhooks'];

  http.post(
    '/webhooks',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'Register a webhook: handshake with the target, then 201 with the secret (shown once)',
        body: Type.Object(
          { target: Target, events: Events, rateLimit: Type.Optional(RateLimit) },
          { additionalProperties: false },
        ),
        response: withErrors(
          { 201: Type.Object({ webhook: WebhookSchema, secret: Type.String() }) },
          [400, 401, 403, 404, 409],
        ),
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await webhooks.create(appOf(request), request.body);
      return reply.code(201).send({ webhook: presentWebhook(webhook), secret });
    },
  );

  http.get(
    '/webhooks',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'List webhooks in registration order',
        querystring: Type.Object(Paging, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ webhooks: Type.Array(WebhookSchema), next: Next }) }),
      },
    },
    async (request) => {
      const { items, next } = await webhooks.list(appOf(request), request.query);
      return { webhooks: items.map(presentWebhook), next };
    },
  );

  http.get(
    '/webhooks/:id',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'Get a webhook',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ webhook: WebhookSchema }) }),
      },
    },
    async (request) => ({ webhook: presentWebhook(await webhooks.get(appOf(request), request.params.id)) }),
  );

  http.put(
    '/webhooks/:id',
    {
      config: { auth: ['secret'] },
      schema: {
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
        response: withErrors({ 200: Type.Object({ webhook: WebhookSchema }) }),
      },
    },
    async (request) => ({
      webhook: presentWebhook(await webhooks.update(appOf(request), request.params.id, request.body)),
    }),
  );

  http.delete(
    '/webhooks/:id',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'Delete a webhook with its delivery log',
        params: IdParams,
        response: withErrors({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await webhooks.remove(appOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  http.post(
    '/webhooks/:id/rotate',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'A new secret; the old one keeps signing beside it for 24 h',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ secret: Type.String() }) }),
      },
    },
    async (request) => ({ secret: await webhooks.rotate(appOf(request), request.params.id) }),
  );

  http.get(
    '/webhooks/:id/deliveries',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'The delivery log, newest first',
        params: IdParams,
        querystring: Type.Object(
          { status: Type.Optional(DeliveryStatus), ...Paging },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ deliveries: Type.Array(DeliverySchema), next: Next }) }),
      },
    },
    async (request) => webhooks.deliveries(appOf(request), request.params.id, request.query),
  );

  http.get(
    '/webhooks/:id/deliveries/:deliveryId',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'One delivery with every attempt and the payload sent',
        params: DeliveryParams,
        response: withErrors({
          200: Type.Object({
            delivery: DeliverySchema,
            attempts: Type.Array(AttemptSchema),
            payload: Type.Unknown(),
          }),
        }),
      },
    },
    async (request) => webhooks.delivery(appOf(request), request.params.id, request.params.deliveryId),
  );

  http.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'Send a delivery again (same webhook-id and body), with a fresh retry round',
        params: DeliveryParams,
        response: withErrors({ 202: Type.Object({ delivery: DeliverySchema }) }, [400, 401, 403, 404, 409]),
      },
    },
    async (request, reply) => {
      const delivery = await webhooks.retry(appOf(request), request.params.id, request.params.deliveryId);
      return reply.code(202).send({ delivery });
    },
  );

  http.post(
    '/webhooks/:id/recover',
    {
      config: { auth: ['secret'] },
      schema: {
        tags,
        summary: 'Send again every failed delivery created since a time (Unix seconds)',
        params: IdParams,
        body: Type.Object({ since: int('seconds') }, { additionalProperties: false }),
        response: withErrors({ 202: Type.Object({ queued: Type.Integer() }) }),
      },
    },
    async (request, reply) => {
      const queued = await webhooks.recover(appOf(request), request.params.id, request.body.since);
      return reply.code(202).send({ queued });
    },
  );
}
