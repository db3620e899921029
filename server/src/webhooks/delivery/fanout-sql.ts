import { type Db, onPostgres, type Tx } from '../../store/database.ts';
import type { DeliveryRow, EventRow, WebhookRow } from '../../store/schema.ts';

/** The statements of fan-out: the per-app cursor, the outbox read, and the deliveries it plans. */

export type PlannedDelivery = Omit<DeliveryRow, 'attempts' | 'round'>;

const INSERT_CHUNK = 50;

/** The app's cursor, locked on PostgreSQL (one fan-out of an app at a time, across nodes). */
export async function lockCursor(tx: Tx, appId: string): Promise<number | undefined> {
  let cursorQuery = tx.selectFrom('webhookCursors').select('position').where('appId', '=', appId);
  if (onPostgres(tx)) cursorQuery = cursorQuery.forUpdate();
  const cursor = await cursorQuery.executeTakeFirst();
  return cursor ? Number(cursor.position) : undefined;
}

export async function moveCursor(tx: Tx, appId: string, position: number): Promise<void> {
  await tx.updateTable('webhookCursors').set({ position }).where('appId', '=', appId).execute();
}

/**
 * The webhooks that collect deliveries, in id order. Webhooks disabled by the server keep collecting
 * them (re-enabling resumes them in order); one switched off by hand receives nothing meanwhile.
 */
export function collectingHooks(tx: Tx, appId: string): Promise<WebhookRow[]> {
  return tx
    .selectFrom('webhooks')
    .selectAll()
    .where('appId', '=', appId)
    .where((eb) => eb.or([eb('active', '=', 1), eb('disabledReason', 'is not', null)]))
    .orderBy('id')
    .execute();
}

export async function appPosition(tx: Tx, appId: string): Promise<number | undefined> {
  const app = await tx.selectFrom('apps').select('eventPosition').where('id', '=', appId).executeTakeFirst();
  return app ? Number(app.eventPosition) : undefined;
}

export function eventsAfter(tx: Tx, appId: string, from: number, limit: number): Promise<EventRow[]> {
  return tx
    .selectFrom('events')
    .selectAll()
    .where('appId', '=', appId)
    .where('position', '>', from)
    .orderBy('position')
    .limit(limit)
    .execute();
}

/** Marks webhooks due (and bumps `gen`); on PostgreSQL this locks them for the rest of the transaction. */
export async function markHooksDue(tx: Tx, ids: readonly string[], now: number): Promise<void> {
  await tx
    .updateTable('webhooks')
    .set((eb) => ({ gen: eb('gen', '+', 1), nextDue: now }))
    .where('id', 'in', ids)
    .execute();
}

/** `webhookId lane` of the lanes among these that have a pending delivery already. */
export async function busyLanes(
  tx: Tx,
  hookIds: readonly string[],
  lanes: readonly string[],
): Promise<Set<string>> {
  const busy = new Set<string>();
  for (let i = 0; i < lanes.length; i += 500) {
    const rows = await tx
      .selectFrom('webhookDeliveries')
      .select(['webhookId', 'lane'])
      .where('webhookId', 'in', hookIds)
      .where('status', '=', 'pending')
      .where('lane', 'in', lanes.slice(i, i + 500))
      .groupBy(['webhookId', 'lane'])
      .execute();
    for (const r of rows) busy.add(`${r.webhookId} ${r.lane}`);
  }
  return busy;
}

/** Inserts planned deliveries; one already there for the same webhook and event is kept. */
export async function insertDeliveries(tx: Tx, planned: readonly PlannedDelivery[]): Promise<void> {
  for (let i = 0; i < planned.length; i += INSERT_CHUNK) {
    await tx
      .insertInto('webhookDeliveries')
      .values(planned.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.columns(['webhookId', 'eventId']).doNothing())
      .execute();
  }
}

/** The apps with a cursor: they have (or had) webhooks. */
export async function appsWithCursors(db: Db): Promise<string[]> {
  return (await db.selectFrom('webhookCursors').select('appId').execute()).map((c) => c.appId);
}

/** Apps whose outbox is ahead of their cursor. */
export async function appsBehind(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('webhookCursors')
    .innerJoin('apps', 'apps.id', 'webhookCursors.appId')
    .select('webhookCursors.appId')
    .whereRef('apps.eventPosition', '>', 'webhookCursors.position')
    .execute();
  return rows.map((r) => r.appId);
}
