import { onPostgres, type Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import { rawRows } from '../store/raw.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { audienceOf, insertAudience } from './audience.ts';
import type { NewEvent, StoredEvent, Trigger } from './catalog.ts';

/**
 * An event of a change still in its transaction: everything but its place in the app's order, which
 * `appendEvents` hands out just before COMMIT. Its audience is decided when it is emitted (who is in
 * the chat at that moment), not at the end.
 */
export interface PendingEvent {
  id: string;
  trigger: Trigger;
  chatId: string | null;
  userId: string | null;
  data: unknown;
  created: number;
  audience: string[];
}

/** Prepares `event` inside the change's transaction; `participants`: the chat's, if the caller read them. */
export async function pendingEvent(
  tx: Tx,
  event: NewEvent,
  participants?: readonly string[],
): Promise<PendingEvent> {
  return {
    id: event.id ?? newId(),
    trigger: event.trigger,
    chatId: event.chatId ?? null,
    userId: event.userId ?? null,
    data: event.data,
    created: nowSeconds(),
    audience: await audienceOf(tx, event, participants),
  };
}

// Taking positions locks the app's row until commit: positions commit in order. Taken last, so the
// lock is held only for the event rows and the COMMIT, and every change takes its locks in one order.
const takePositions = prepare<{ appId: string; count: number }, { eventPosition: number }>((db, arg) =>
  db
    .updateTable('apps')
    .set((eb) => ({ eventPosition: eb('eventPosition', '+', arg('count')) }))
    .where('id', '=', arg('appId'))
    .returning('eventPosition'),
);

type EventRow = {
  id: string;
  appId: string;
  position: number;
  trigger: string;
  chatId: string | null;
  userId: string | null;
  data: string;
  created: number;
};

const insertEvent = prepare<EventRow, { seq: number }>((db, arg) =>
  db
    .insertInto('events')
    .values({
      id: arg('id'),
      appId: arg('appId'),
      position: arg('position'),
      trigger: arg('trigger'),
      chatId: arg('chatId'),
      userId: arg('userId'),
      data: arg('data'),
      created: arg('created'),
    })
    .returning('seq'),
);

// PostgreSQL: positions, event rows and audience rows in one round trip (each statement is one).
const APPEND_ALL = `
with p as (
  update apps set event_position = event_position + ? where id = ? returning event_position - ? as base
), e as (
  insert into events (id, app_id, position, trigger, chat_id, user_id, data, created)
  select v.id, ?, p.base + v.ord, v.trigger, v.chat_id, v.user_id, v.data, v.created
  from p, unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[])
    with ordinality as v(id, trigger, chat_id, user_id, data, created, ord)
  order by v.ord
  returning seq, position
), a as (
  insert into realtime_audience (app_id, key, position, created)
  select ?, k.key, p.base + k.ord, k.created
  from p, unnest(?::bigint[], ?::text[], ?::bigint[]) as k(ord, key, created)
)
select seq, position from e order by position`;

async function appendAllOnPostgres(
  tx: Tx,
  appId: string,
  events: readonly PendingEvent[],
): Promise<Array<{ seq: number; position: number }>> {
  const audienceOrd: number[] = [];
  const audienceKey: string[] = [];
  const audienceCreated: number[] = [];
  events.forEach((event, i) => {
    for (const key of event.audience) {
      audienceOrd.push(i + 1);
      audienceKey.push(key);
      audienceCreated.push(event.created);
    }
  });
  const rows = await rawRows<{ seq: number; position: number }>(tx, APPEND_ALL, [
    events.length,
    appId,
    events.length,
    appId,
    events.map((e) => e.id),
    events.map((e) => e.trigger),
    events.map((e) => e.chatId),
    events.map((e) => e.userId),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => e.created),
    appId,
    audienceOrd,
    audienceKey,
    audienceCreated,
  ]);
  if (rows.length !== events.length) throw new Error(`app ${appId} not found while appending its events`);
  return rows;
}

/**
 * Gives the change's events their positions and writes them, with their audience, in the caller's
 * transaction; they commit (or not) with the change. Call it last, just before COMMIT.
 */
export async function appendEvents(
  tx: Tx,
  appId: string,
  events: readonly PendingEvent[],
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  let placed: Array<{ seq: number; position: number }>;
  if (onPostgres(tx)) {
    placed = await appendAllOnPostgres(tx, appId, events);
  } else {
    const { eventPosition: last } = await takePositions.one(tx, { appId, count: events.length });
    placed = [];
    for (const [i, event] of events.entries()) {
      const position = last - events.length + 1 + i;
      const { seq } = await insertEvent.one(tx, {
        id: event.id,
        appId,
        position,
        trigger: event.trigger,
        chatId: event.chatId,
        userId: event.userId,
        data: JSON.stringify(event.data),
        created: event.created,
      });
      await insertAudience(tx, appId, position, event.created, event.audience);
      placed.push({ seq, position });
    }
  }
  return events.map((event, i) => ({
    ...event,
    ...placed[i]!,
    appId,
    data: event.data as StoredEvent['data'],
  }));
}
