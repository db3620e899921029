import type { EventData, RealtimeRequests, WsSession } from './generated/asyncapi.ts';
import { TRIGGERS as GENERATED_TRIGGERS, type WS_TRIGGERS } from './generated/asyncapi.ts';

/**
 * Event and socket request types, generated from the server's AsyncAPI document (GET
 * /v1/asyncapi.json) into generated/asyncapi.ts by `npm run generate --workspace sdk`: a new event
 * or request on the server reaches these names with no hand edit here.
 */

/** The `data` of each trigger (docs/webhooks.md), the same over webhooks, realtime and the stream. */
export type { EventData, RealtimeRequests } from './generated/asyncapi.ts';

export type Trigger = keyof EventData;

/** The webhook envelope (docs/webhooks.md), one member per trigger so `data` narrows on `trigger`. */
export type WebhookEnvelope = {
  [K in Trigger]: { trigger: K; appId: string; data: EventData[K]; created_at: number };
}[Trigger];

/** Every trigger, in the order docs/webhooks.md lists them. */
export const TRIGGERS: readonly Trigger[] = GENERATED_TRIGGERS;

/** What a realtime connection reports about itself, beside the triggers. */
export interface ConnectionEventData {
  /** A session began (first connection and every reconnection): the server's session frame. */
  connected: WsSession;
  /** The socket closed; `willReconnect` is false after `close()` or refused credentials (4001). */
  disconnected: { code: number; reason: string; willReconnect: boolean };
  /** The replay after a reconnection is complete. */
  resumed: { replayed: number };
  /** The cursor could not be resumed: refetch state over REST; the stream carries on from `cursor`. */
  'resync-required': { cursor: string };
}

/** The triggers a realtime socket hears: every one but `chats:assign`, a question for app servers only. */
export type RealtimeTrigger = (typeof WS_TRIGGERS)[number];

export type RealtimeEventData = Pick<EventData, RealtimeTrigger> & ConnectionEventData;
export type RealtimeEventName = keyof RealtimeEventData;

/** The second argument of every handler. */
export interface EventMeta {
  event: string;
  /** The cursor of this frame (the connection's cursor for `connected`/`disconnected`). */
  cursor: string | undefined;
}

/** Client → server requests over `/v1/ws` (docs/realtime.md), each typed like its REST twin. */
export type RealtimeRequestName = keyof RealtimeRequests;
