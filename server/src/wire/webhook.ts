import { type Static, Type } from '@sinclair/typebox';
import { decodeStrings } from '../store/json.ts';
import type { AttemptRow, DeliveryRow, WebhookRow } from '../store/schema.ts';

/** A registered webhook (docs/webhooks.md); its secret is shown once, outside this shape. */
export const Webhook = Type.Object({
  id: Type.String(),
  target: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  disabledReason: Type.Optional(Type.String()),
  rateLimit: Type.Optional(Type.Integer()),
  created: Type.Integer(),
});
export type Webhook = Static<typeof Webhook>;

export function presentWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    target: row.target,
    events: decodeStrings(row.events),
    active: row.active === 1,
    ...(row.disabledReason ? { disabledReason: row.disabledReason } : {}),
    ...(row.rateLimit ? { rateLimit: row.rateLimit } : {}),
    created: row.created,
  };
}

export const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);
export type DeliveryStatus = Static<typeof DeliveryStatus>;

/** One event to one webhook in the delivery log. `eventId` is the `webhook-id` header of every attempt. */
export const Delivery = Type.Object({
  id: Type.String(),
  webhookId: Type.String(),
  eventId: Type.String(),
  trigger: Type.String(),
  chatId: Type.Optional(Type.String()),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  /** When the next attempt is due (pending and at the head of its chat's lane). */
  nextAttempt: Type.Optional(Type.Integer()),
  lastStatus: Type.Optional(Type.Integer()),
  lastError: Type.Optional(Type.String()),
  created: Type.Integer(),
  updated: Type.Integer(),
  delivered: Type.Optional(Type.Integer()),
});
export type Delivery = Static<typeof Delivery>;

export function presentDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    webhookId: row.webhookId,
    eventId: row.eventId,
    trigger: row.trigger,
    ...(row.chatId ? { chatId: row.chatId } : {}),
    status: row.status,
    attempts: row.attempts,
    ...(row.status === 'pending' && row.nextAttempt !== null
      ? { nextAttempt: Math.ceil(Number(row.nextAttempt) / 1000) }
      : {}),
    ...(row.lastStatus !== null ? { lastStatus: row.lastStatus } : {}),
    ...(row.lastError ? { lastError: row.lastError } : {}),
    created: row.created,
    updated: row.updated,
    ...(row.delivered !== null ? { delivered: row.delivered } : {}),
  };
}

export const Attempt = Type.Object({
  id: Type.String(),
  created: Type.Integer(),
  status: Type.Union([Type.Integer(), Type.Null()]),
  duration: Type.Integer({ description: 'milliseconds' }),
  response: Type.String({ description: 'the first 4 KB of the answer' }),
  error: Type.Optional(Type.String()),
});
export type Attempt = Static<typeof Attempt>;

export function presentAttempt(row: AttemptRow): Attempt {
  return {
    id: row.id,
    created: row.created,
    status: row.status,
    duration: row.duration,
    response: row.response,
    ...(row.error ? { error: row.error } : {}),
  };
}
