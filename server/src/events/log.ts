import { Type } from '@sinclair/typebox';
import type { Db } from '../store/database.ts';
import { jsonColumn } from '../store/json.ts';
import { rtDb } from '../store/realtime-tables.ts';
import type { EventRow } from '../store/schema.ts';
import { isTrigger, type StoredEvent, TRIGGERS, type Trigger } from './catalog.ts';

/**
 * The event log, read: what commitChange stored (outbox.ts), as the sockets' replay and live feed,
 * the event stream and webhook fan-out read it — the head, a range after a position, a range with
 * audiences, resumability, the pruning of the audience table — and the one decoder of its rows.
 */

/** Event data as stored: a JSON object, its shape the catalog's (written by this server's commands). */
const eventData = jsonColumn('events.data', Type.Record(Type.String(), Type.Unknown()));

function triggerOf(text: string): Trigger {
  if (!isTrigger(text)) throw new Error(`Stored event trigger ${text.slice(0, 40)} is not in the catalog`);
  return text;
}

/**
 * A stored event with its data still the stored JSON text: socket frames and webhook bodies splice
 * it as is, so the hot paths never parse it.
 */
export interface LogEntry {
  seq: number;
  position: number;
  id: string;
  appId: string;
  trigger: Trigger;
  chatId: string | null;
  userId: string | null;
  data: string;
  created: number;
}

/** The one decoder of an event row: numbers as numbers (PostgreSQL bigints), the trigger checked. */
export function logEntry(row: EventRow): LogEntry {
  return {
    seq: Number(row.seq),
    position: Number(row.position),
    id: row.id,
    appId: row.appId,
    trigger: triggerOf(row.trigger),
    chatId: row.chatId,
    userId: row.userId,
    data: row.data,
    created: Number(row.created),
  };
}

/** The row as an event, its data parsed and checked to be an object (`audience` when read with it). */
export function storedEvent(row: EventRow, audience?: readonly string[]): StoredEvent {
  const entry = logEntry(row);
  // Its fields per trigger are the catalog's (written by commitChange).
  const event: StoredEvent = { ...entry, data: eventData(entry.data) as StoredEvent['data'] };
  if (audience) event.audience = audience;
  return event;
}

/** The app's last committed event position: everything at or below it is committed (outbox.ts). */
export async function appHead(db: Db, appId: string): Promise<number> {
  const row = await db.selectFrom('apps').select('eventPosition').where('id', '=', appId).executeTakeFirst();
  return Number(row?.eventPosition ?? 0);
}

export async function appHeads(db: Db, appIds: string[]): Promise<Map<string, number>> {
  if (appIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('apps')
    .select(['id', 'eventPosition'])
    .where('id', 'in', appIds)
    .execute();
  return new Map(rows.map((r) => [r.id, Number(r.eventPosition)]));
}

/**
 * The events of a stream with `after < position <= upTo`, oldest first: those whose audience holds
 * one of `keys`, or with `keys === 'all'` (the app server) every event but `chats:assign`.
 */
export async function streamAfter(
  db: Db,
  appId: string,
  keys: readonly string[] | 'all',
  after: number,
  upTo: number,
  limit: number,
): Promise<LogEntry[]> {
  if (after >= upTo) return [];
  if (keys === 'all') {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('appId', '=', appId)
      .where('position', '>', after)
      .where('position', '<=', upTo)
      .where('trigger', '<>', 'chats:assign')
      .orderBy('position')
      .limit(limit)
      .execute();
    return rows.map(logEntry);
  }
  if (keys.length === 0) return [];
  const positions = await rtDb(db)
    .selectFrom('realtimeAudience')
    .select('position')
    .distinct()
    .where('appId', '=', appId)
    .where('key', 'in', [...keys])
    .where('position', '>', after)
    .where('position', '<=', upTo)
    .orderBy('position')
    .limit(limit)
    .execute();
  if (positions.length === 0) return [];
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('appId', '=', appId)
    .where(
      'position',
      'in',
      positions.map((p) => Number(p.position)),
    )
    .orderBy('position')
    .execute();
  return rows.map(logEntry);
}

/** Every event of the app with `from <= position <= to`, with its audience: fills gaps of the live feed. */
export async function eventsBetween(db: Db, appId: string, from: number, to: number): Promise<StoredEvent[]> {
  if (to < from) return [];
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('appId', '=', appId)
    .where('position', '>=', from)
    .where('position', '<=', to)
    .orderBy('position')
    .execute();
  const audience = await rtDb(db)
    .selectFrom('realtimeAudience')
    .select(['position', 'key'])
    .where('appId', '=', appId)
    .where('position', '>=', from)
    .where('position', '<=', to)
    .execute();
  const keys = new Map<number, string[]>();
  for (const row of audience) {
    const position = Number(row.position);
    const list = keys.get(position);
    if (list) list.push(row.key);
    else keys.set(position, [row.key]);
  }
  return rows.map((row) => storedEvent(row, keys.get(Number(row.position)) ?? []));
}

/**
 * The app's events with `after < position <= upTo` whose trigger is one of `triggers`, oldest first:
 * the replay of an event stream, read from the outbox the dispatcher reads. `chats:assign` rows are
 * never replayed: they record questions asked at a jump, answerable only while it waited.
 */
export async function eventsAfter(
  db: Db,
  appId: string,
  triggers: ReadonlySet<Trigger>,
  after: number,
  upTo: number,
  limit: number,
): Promise<LogEntry[]> {
  const wanted: Trigger[] = [...triggers].filter((t) => t !== 'chats:assign');
  if (after >= upTo || wanted.length === 0) return [];
  // The shorter list: the default stream (every trigger but chats:assign) excludes one.
  const unwanted = TRIGGERS.filter((t) => !wanted.includes(t));
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('appId', '=', appId)
    .where('position', '>', after)
    .where('position', '<=', upTo)
    .where(
      'trigger',
      unwanted.length < wanted.length ? 'not in' : 'in',
      unwanted.length < wanted.length ? unwanted : wanted,
    )
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map(logEntry);
}

/**
 * Whether a stream can resume after `position` without loss: nothing after it, or the first event
 * after it is still within the retention window (older audience rows are pruned).
 */
export async function resumable(
  db: Db,
  appId: string,
  position: number,
  head: number,
  retentionMs: number,
): Promise<boolean> {
  if (position > head) return false;
  if (position === head) return true;
  const next = await db
    .selectFrom('events')
    .select('created')
    .where('appId', '=', appId)
    .where('position', '=', position + 1)
    .executeTakeFirst();
  return next !== undefined && next.created * 1000 >= Date.now() - retentionMs;
}

/** Drops audience rows past the retention window (and an hour of slack). */
export async function pruneAudience(db: Db, retentionMs: number): Promise<void> {
  const before = Math.floor((Date.now() - retentionMs) / 1000) - 3600;
  await rtDb(db).deleteFrom('realtimeAudience').where('created', '<', before).execute();
}
