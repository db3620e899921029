import type { Generated } from 'kysely';

/** The tables of webhooks (docs/webhooks.md), beside schema.ts's Database. */

/** A webhook registration (docs/webhooks.md). The secret is kept as is: it signs every delivery. */
export interface WebhooksTable {
  id: string;
  appId: string;
  target: string;
  /** The triggers it receives (JSON array). */
  events: string;
  active: number;
  /** Why the server disabled it (410, five days of failures); null when active or disabled by hand. */
  disabledReason: string | null;
  /** Deliveries per second, or null for no limit. */
  rateLimit: number | null;
  secret: string;
  /** The secret before the last rotation, signing beside the new one until `previousSecretExpires` (ms). */
  previousSecret: string | null;
  previousSecretExpires: number | null;
  /** The app's event position when it was registered: only later events are delivered. */
  fromPosition: Generated<number>;
  /** Unix seconds of the first failure since the last success (the five-day clock). */
  failingSince: number | null;
  /** Consecutive failed `chats:assign` calls and the time (ms) of the last one. */
  assignFailures: Generated<number>;
  assignFailedAt: number | null;
  /** When (ms) the dispatcher should look at this webhook again; null = nothing pending. */
  nextDue: number | null;
  /** Bumped whenever deliveries become due, so a dispatcher going idle never misses them. */
  gen: Generated<number>;
  /** The dispatcher node working on this webhook's deliveries, and until when (ms) its lease holds. */
  leaseOwner: string | null;
  leaseUntil: number | null;
  created: number;
}

/** One event to one webhook: the body frozen once, sent unchanged on every attempt. */
export interface WebhookDeliveriesTable {
  id: string;
  appId: string;
  webhookId: string;
  /** The event id: the `webhook-id` header, the same on every attempt. */
  eventId: string;
  /** The event's per-app position (null for `chats:assign` calls, which are not outbox deliveries). */
  position: number | null;
  trigger: string;
  chatId: string | null;
  /** Ordering lane: the chat id, or '' for events of no chat. */
  lane: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  /** Attempts in the current retry round (a manual retry or recover starts a new round). */
  round: Generated<number>;
  /** When (ms) to attempt; null while an earlier event of the same lane is still pending. */
  nextAttempt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  created: number;
  updated: number;
  delivered: number | null;
}

/** Every attempt of a delivery: time, HTTP status, duration (ms), first 4 KB of the answer, error. */
export interface WebhookAttemptsTable {
  id: string;
  deliveryId: string;
  webhookId: string;
  appId: string;
  created: number;
  status: number | null;
  duration: number;
  response: string;
  error: string | null;
}

/** How far the webhook dispatcher has read an app's outbox (event position). */
export interface WebhookCursorsTable {
  appId: string;
  position: number;
}
