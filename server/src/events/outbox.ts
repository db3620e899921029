import { Ajv, type ValidateFunction } from 'ajv';
import type { Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import { rawQuery } from '../store/raw.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { audienceOf, insertAudience } from './audience.ts';
import { EVENT_DATA, type NewEvent, type StoredEvent, type Trigger } from './catalog.ts';

/**
 * An event of a change still in its transaction: everything but its place in the app's order, which
 * `appendEvents` hands out just before COMMIT (SQLite) or the sequencer after it (PostgreSQL). Its audience is decided when it is emitted (who is in
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

/**
 * With SWITCHBOARD_CHECK_EVENTS=1 (the test runner sets it) every event is checked against its
 * trigger's schema (events/catalog.ts) before it is stored, so a command that emits a shape the
 * published contract does not say fails its test. Off (the default), nothing is compiled or checked.
 * Read once at load: a flag of the process, not state.
 */
const eventChecks: ReadonlyMap<string, ValidateFunction> | undefined =
  process.env.SWITCHBOARD_CHECK_EVENTS === '1' ? compileEventChecks() : undefined;

export function compileEventChecks(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return new Map(Object.entries(EVENT_DATA).map(([trigger, schema]) => [trigger, ajv.compile(schema)]));
}

/** Refuses `event` when its data is not what its trigger's schema says (checks on only; see above). */
export function checkEventData(event: NewEvent, checks = eventChecks): void {
  const check = checks?.get(event.trigger);
  if (!check) return;
  // What is stored is the JSON text: check that, not fields JSON would drop (`undefined`).
  if (!check(JSON.parse(JSON.stringify(event.data)))) {
    throw new Error(
      `${event.trigger} event data does not match its schema (wire/events.ts): ${JSON.stringify(check.errors)}`,
    );
  }
}

/** Prepares `event` inside the change's transaction; `participants`: the chat's, if the caller read them. */
export async function pendingEvent(
  tx: Tx,
  event: NewEvent,
  participants?: readonly string[],
): Promise<PendingEvent> {
  checkEventData(event);
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

// SQLite: taking positions locks the app's row until commit (one writer at a time anyway): positions
// commit in order. Taken last, so every change takes its locks in one order.
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

// PostgreSQL: the change's events in one statement, without positions: the sequencer
// (sequencer.ts) numbers them after COMMIT, so no writer holds the app row. `xid` is the column's
// default (pg_current_xact_id()); the audience keys ride on the row as one space-separated text per
// event (keys are `u:<ULID>` / `r:<room>`, never a space) until the sequencer writes realtime_audience.
const INSERT_UNPOSITIONED = `
insert into events (id, app_id, trigger, chat_id, user_id, data, created, audience)
select v.id, ?, v.trigger, v.chat_id, v.user_id, v.data, v.created, string_to_array(v.audience, ' ')
from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[])
  with ordinality as v(id, trigger, chat_id, user_id, data, created, audience, ord)
order by v.ord`;

/**
 * PostgreSQL: writes the change's events, unpositioned, in the caller's transaction (they commit, or
 * not, with the change); the sequencer positions and publishes them once committed.
 */
export async function appendUnpositioned(
  tx: Tx,
  appId: string,
  events: readonly PendingEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await rawQuery(tx, INSERT_UNPOSITIONED, [
    appId,
    events.map((e) => e.id),
    events.map((e) => e.trigger),
    events.map((e) => e.chatId),
    events.map((e) => e.userId),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => e.created),
    events.map((e) => e.audience.join(' ')),
  ]);
}

/**
 * SQLite: gives the change's events their positions and writes them, with their audience, in the
 * caller's transaction; they commit (or not) with the change. Call it last, just before COMMIT.
 */
export async function appendEvents(
  tx: Tx,
  appId: string,
  events: readonly PendingEvent[],
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const { eventPosition: last } = await takePositions.one(tx, { appId, count: events.length });
  const placed: Array<{ seq: number; position: number }> = [];
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
  return events.map((event, i) => ({
    ...event,
    ...placed[i]!,
    appId,
    data: event.data as StoredEvent['data'],
  }));
}
