import { Type } from '@sinclair/typebox';
import { isTrigger, type StoredEvent, type Trigger } from '../events/catalog.ts';
import type { Db } from '../store/database.ts';
import { jsonColumn } from '../store/json.ts';
import { rtDb } from '../store/realtime-tables.ts';

/**
 * Every statement of the realtime gateway and the event stream's shared feed, in one place: reads of
 * the event log (the head, a stream after a position, a range with audiences, resumability) and the
 * pruning of the audience table.
 */

/** Event data as stored: a JSON object, its shape the catalog's (written by this server's commands). */
const eventData = jsonColumn('events.data', Type.Record(Type.String(), Type.Unknown()));

function triggerOf(text: string): Trigger {
  if (!isTrigger(text)) throw new Error(`Stored event trigger ${text.slice(0, 40)} is not in the catalog`);
  return text;
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

export interface LogEntry {
  position: number;
  trigger: string;
  /** The event's data as stored (JSON text), spliced into frames as is. */
  data: string;
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
    return db
      .selectFrom('events')
      .select(['position', 'trigger', 'data'])
      .where('appId', '=', appId)
      .where('position', '>', after)
      .where('position', '<=', upTo)
      .where('trigger', '<>', 'chats:assign')
      .orderBy('position')
      .limit(limit)
      .execute();
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
  return db
    .selectFrom('events')
    .select(['position', 'trigger', 'data'])
    .where('appId', '=', appId)
    .where(
      'position',
      'in',
      positions.map((p) => Number(p.position)),
    )
    .orderBy('position')
    .execute();
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
  return rows.map((row) => ({
    seq: row.seq,
    position: row.position,
    id: row.id,
    appId: row.appId,
    trigger: triggerOf(row.trigger),
    chatId: row.chatId,
    userId: row.userId,
    data: eventData(row.data) as StoredEvent['data'],
    created: row.created,
    audience: keys.get(row.position) ?? [],
  }));
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
