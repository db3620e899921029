import { type SqlBool, sql } from 'kysely';
import { type Db, onPostgres, type Tx } from '../store/database.ts';
import type { CannedRow } from '../store/schema.ts';

/** The canned responses' statements (docs/web.md, "Canned responses"). */

export interface CannedFilter {
  appId: string;
  /** An agent's view: its own plus the shared ones of these rooms (or of every room). */
  visibleTo?: { ownerId: string; rooms: number[] } | undefined;
  /** Only those for this room (or for every room). */
  room?: number | undefined;
  /** Words of shortcut, title or text, case-insensitive. */
  q?: string | undefined;
  after?: string | undefined;
  limit: number;
}

/** `canned_responses.rooms` (a JSON list) holds one of `rooms`, in each dialect's JSON functions. */
function roomsInclude(db: Db, rooms: number[]) {
  const list = sql.join(rooms.map((room) => (onPostgres(db) ? String(room) : room)));
  return onPostgres(db)
    ? sql<SqlBool>`exists (select 1 from jsonb_array_elements_text(canned_responses.rooms::jsonb) as r(v) where r.v in (${list}))`
    : sql<SqlBool>`exists (select 1 from json_each(canned_responses.rooms) where json_each.value in (${list}))`;
}

/** `%` and `_` are literal in what the caller typed. */
const likeOf = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function selectCanned(db: Db, filter: CannedFilter): Promise<CannedRow[]> {
  let q = db.selectFrom('cannedResponses').selectAll().where('appId', '=', filter.appId);
  const visible = filter.visibleTo;
  if (visible) {
    q = q.where((eb) =>
      eb.or([
        eb('ownerId', '=', visible.ownerId),
        eb.and([
          eb('ownerId', 'is', null),
          eb.or([
            eb('rooms', 'is', null),
            ...(visible.rooms.length > 0 ? [roomsInclude(db, visible.rooms)] : []),
          ]),
        ]),
      ]),
    );
  }
  if (filter.room !== undefined) {
    const room = filter.room;
    q = q.where((eb) => eb.or([eb('rooms', 'is', null), roomsInclude(db, [room])]));
  }
  if (filter.q !== undefined) {
    for (const word of filter.q.split(/\s+/).filter(Boolean).slice(0, 10)) {
      const like = likeOf(word);
      q = q.where(
        sql<SqlBool>`(lower(shortcut) like ${like} escape '\\' or lower(title) like ${like} escape '\\' or lower(text) like ${like} escape '\\')`,
      );
    }
  }
  if (filter.after !== undefined) q = q.where('id', '>', filter.after);
  return q
    .orderBy('id')
    .limit(filter.limit + 1)
    .execute();
}

/** Locks one response for its change (PostgreSQL; SQLite transactions are serial). */
export async function lockedCanned(tx: Tx, appId: string, id: string): Promise<CannedRow | undefined> {
  let q = tx.selectFrom('cannedResponses').selectAll().where('id', '=', id).where('appId', '=', appId);
  if (onPostgres(tx)) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** How many an app holds, counted after locking the app's row so simultaneous creations queue. */
export async function countCannedLocked(tx: Tx, appId: string): Promise<number> {
  if (onPostgres(tx)) await tx.selectFrom('apps').select('id').where('id', '=', appId).forUpdate().execute();
  const row = await tx
    .selectFrom('cannedResponses')
    .where('appId', '=', appId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertCanned(tx: Tx, row: CannedRow): Promise<void> {
  await tx.insertInto('cannedResponses').values(row).execute();
}

export async function updateCannedRow(tx: Tx, id: string, changes: Partial<CannedRow>): Promise<void> {
  await tx.updateTable('cannedResponses').set(changes).where('id', '=', id).execute();
}

export async function deleteCannedRow(tx: Tx, id: string): Promise<void> {
  await tx.deleteFrom('cannedResponses').where('id', '=', id).execute();
}
