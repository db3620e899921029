import { envelope, type StoredEvent, type Trigger } from '../../events/catalog.ts';
import type { Store } from '../../store/database.ts';
import { decodeObject, decodeStrings } from '../../store/json.ts';
import type { EventRow, WebhookRow } from '../../store/schema.ts';
import { newId } from '../../util/ids.ts';
import { nowSeconds } from '../../util/time.ts';
import { inTransaction } from '../tx.ts';
import {
  appPosition,
  busyLanes,
  collectingHooks,
  eventsAfter,
  insertDeliveries,
  lockCursor,
  markHooksDue,
  moveCursor,
  type PlannedDelivery,
} from './fanout-sql.ts';

/**
 * Fan-out: event rows → one delivery per matching webhook, body frozen. One batch reads an app's
 * outbox after its cursor and, in the same transaction, creates the deliveries and moves the cursor:
 * an event is either still ahead of the cursor or has all its deliveries, whatever crashes when.
 */

export const FANOUT_BATCH = 200;

/** The body every webhook gets for an event: the envelope of docs/webhooks.md. */
export function deliveryBody(row: EventRow): string {
  const event: StoredEvent = {
    seq: row.seq,
    position: Number(row.position),
    id: row.id,
    appId: row.appId,
    trigger: row.trigger as Trigger,
    chatId: row.chatId,
    userId: row.userId,
    // Checked to be an object; its fields per trigger are the catalog's (written by commitChange).
    data: decodeObject(row.data) as StoredEvent['data'],
    created: row.created,
  };
  return JSON.stringify(envelope(event));
}

/**
 * The deliveries of these events for these webhooks: one per webhook subscribed to the trigger and
 * registered before the event. `chats:assign` is the synchronous call (docs/webhooks.md), made at the jump
 * itself, and is never delivered later. None is armed yet (see `armNewLanes`).
 */
export function planDeliveries(
  appId: string,
  events: readonly EventRow[],
  hooks: readonly WebhookRow[],
  created = nowSeconds(),
): PlannedDelivery[] {
  const subscribed = hooks.map((h) => ({ row: h, triggers: new Set(decodeStrings(h.events)) }));
  const planned: PlannedDelivery[] = [];
  for (const event of events) {
    if (event.trigger === 'chats:assign') continue;
    const position = Number(event.position);
    let body: string | undefined;
    for (const hook of subscribed) {
      if (!hook.triggers.has(event.trigger) || position <= Number(hook.row.fromPosition)) continue;
      body ??= deliveryBody(event);
      planned.push({
        id: newId(),
        appId,
        webhookId: hook.row.id,
        eventId: event.id,
        position,
        trigger: event.trigger,
        chatId: event.chatId,
        lane: event.chatId ?? '',
        body,
        status: 'pending',
        nextAttempt: null,
        lastStatus: null,
        lastError: null,
        created,
        updated: created,
        delivered: null,
      });
    }
  }
  return planned;
}

/** A lane with nothing pending starts at once; otherwise its new events wait their turn. */
export function armNewLanes(planned: readonly PlannedDelivery[], busy: Set<string>, now: number): void {
  for (const delivery of planned) {
    const key = `${delivery.webhookId} ${delivery.lane}`;
    if (!busy.has(key)) {
      delivery.nextAttempt = now;
      busy.add(key);
    }
  }
}

export interface FanOutResult {
  /** The batch was full: more events may follow. */
  more: boolean;
  /** Webhooks that got deliveries (due now). */
  touched: string[];
}

/** Fans out one batch of an app's outbox (see the top of this file). */
export function fanOutBatch(store: Store, appId: string): Promise<FanOutResult> {
  return inTransaction(store, async (tx) => {
    const from = await lockCursor(tx, appId);
    if (from === undefined) return { more: false, touched: [] };
    const hooks = await collectingHooks(tx, appId);
    if (hooks.length === 0) {
      // Nobody collects: skip the cursor past what is there, so a later webhook starts from now.
      const position = await appPosition(tx, appId);
      if (position !== undefined && position > from) await moveCursor(tx, appId, position);
      return { more: false, touched: [] };
    }
    const events = await eventsAfter(tx, appId, from, FANOUT_BATCH);
    if (events.length === 0) return { more: false, touched: [] };
    const now = Date.now();
    const planned = planDeliveries(appId, events, hooks);
    const touched = [...new Set(planned.map((p) => p.webhookId))].sort();
    if (planned.length > 0) {
      // Marks the webhooks due, and on PostgreSQL locks them: their lane bookkeeping waits for us.
      await markHooksDue(tx, touched, now);
      const busy = await busyLanes(tx, touched, [...new Set(planned.map((p) => p.lane))]);
      armNewLanes(planned, busy, now);
      await insertDeliveries(tx, planned);
    }
    await moveCursor(tx, appId, Number(events[events.length - 1]!.position));
    return { more: events.length === FANOUT_BATCH, touched };
  });
}
