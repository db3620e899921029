import type { Db } from '../../store/database.ts';
import { marks, rawQuery as query } from '../../store/raw.ts';
import type { WebhookRow } from '../../store/schema.ts';
import type { DueDelivery } from './context.ts';
import { padded } from './sql-shapes.ts';

/** The statements of pumps: a webhook's lease, its due deliveries, and going idle. */

/** Webhooks with deliveries due and no live lease, soonest first. */
export async function dueWebhooks(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('webhooks')
    .select('id')
    .where('active', '=', 1)
    .where('nextDue', '<=', now)
    .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', now)]))
    .orderBy('nextDue')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** Takes the webhook's lease until `until` if it is free or ran out; answers whether we got it. */
export async function claimLease(
  db: Db,
  id: string,
  nodeId: string,
  now: number,
  until: number,
): Promise<boolean> {
  const result = await db
    .updateTable('webhooks')
    .set({ leaseOwner: nodeId, leaseUntil: until })
    .where('id', '=', id)
    .where('active', '=', 1)
    .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Extends our lease to `until`; false when another node holds it now. */
export async function renewLease(db: Db, id: string, nodeId: string, until: number): Promise<boolean> {
  const renewed = await db
    .updateTable('webhooks')
    .set({ leaseUntil: until })
    .where('id', '=', id)
    .where('leaseOwner', '=', nodeId)
    .executeTakeFirst();
  return Number(renewed.numUpdatedRows) === 1;
}

/**
 * Gives our lease back going idle, with `nextDue` as found, unless deliveries became due meanwhile
 * (`gen` moved): then it is kept and the pump goes on.
 */
export async function releaseIdle(
  db: Db,
  id: string,
  nodeId: string,
  gen: number,
  nextDue: number | null,
): Promise<boolean> {
  const released = await db
    .updateTable('webhooks')
    .set({ leaseOwner: null, leaseUntil: null, nextDue })
    .where('id', '=', id)
    .where('leaseOwner', '=', nodeId)
    .where('gen', '=', gen)
    .executeTakeFirst();
  return Number(released.numUpdatedRows) === 1;
}

/** Gives our lease back and leaves the webhook due, so whoever runs next looks at it at once. */
export async function releaseDue(db: Db, id: string, nodeId: string): Promise<boolean> {
  const released = await db
    .updateTable('webhooks')
    .set({ leaseOwner: null, leaseUntil: null, nextDue: Date.now() })
    .where('id', '=', id)
    .where('leaseOwner', '=', nodeId)
    .executeTakeFirst();
  return Number(released.numUpdatedRows) === 1;
}

export async function loadHook(db: Db, id: string): Promise<WebhookRow | undefined> {
  return (await query<WebhookRow>(db, 'select * from webhooks where id = ?', [id])).rows[0];
}

/** Due deliveries of a webhook, oldest due first, leaving out the lanes that have one out. */
export async function dueDeliveries(
  db: Db,
  id: string,
  now: number,
  busy: ReadonlySet<string>,
  limit: number,
): Promise<DueDelivery[]> {
  const lanes = padded([...busy]);
  const text =
    'select id, app_id, event_id, lane, body, attempts, round from webhook_deliveries' +
    " where webhook_id = ? and status = 'pending' and next_attempt <= ?" +
    (lanes.length > 0 ? ` and lane not in (${marks(lanes.length)})` : '') +
    ' order by next_attempt limit ?';
  return (await query<DueDelivery>(db, text, [id, now, ...lanes, limit])).rows;
}

/** The webhook's `gen` and its earliest armed delivery, read before going idle; undefined when deleted. */
export async function idleState(
  db: Db,
  id: string,
): Promise<{ gen: number; next: number | null } | undefined> {
  const state = (
    await query<{ gen: number; next: number | null }>(
      db,
      "select gen, (select min(next_attempt) from webhook_deliveries where webhook_id = ? and status = 'pending') as next from webhooks where id = ?",
      [id, id],
    )
  ).rows[0];
  if (!state) return undefined;
  return { gen: Number(state.gen), next: state.next == null ? null : Number(state.next) };
}
