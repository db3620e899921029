import { onPostgres, type Tx } from '../../store/database.ts';
import { marks, rawQuery as query } from '../../store/raw.ts';
import type { WebhookRow } from '../../store/schema.ts';
import { padded } from './sql-shapes.ts';

/**
 * Lanes keep order: one lane per chat (`''` for events of no chat), and in each lane only the pending
 * delivery with the lowest position is armed (has a `next_attempt`). The next one is armed when the
 * head is delivered or given up. Lane bookkeeping of one webhook is serialised by its row lock.
 */

/** Lanes armed by one statement at most. */
export const ARM_CHUNK = 256;

/**
 * Arms the next delivery of each lane: the pending one with the lowest position, unless the lane has
 * one armed already. One statement for many lanes (of one or more webhooks; at most a few hundred).
 */
export async function armLaneList(
  tx: Tx,
  lanes: ReadonlyArray<readonly [string, string]>,
  now: number,
): Promise<void> {
  if (lanes.length === 0) return;
  const list = padded([...lanes]);
  await query(
    tx,
    'update webhook_deliveries set next_attempt = ? where id in (' +
      ' select (select h.id from webhook_deliveries h' +
      "   where h.webhook_id = l.w and h.lane = l.lane and h.status = 'pending' order by h.position limit 1)" +
      ` from (${list.map(() => 'select cast(? as text) as w, cast(? as text) as lane').join(' union all ')}) l` +
      ' where not exists (select 1 from webhook_deliveries a' +
      "   where a.webhook_id = l.w and a.lane = l.lane and a.status = 'pending' and a.next_attempt is not null))",
    [now, ...list.flat()],
  );
}

/** Arms the next delivery of each of these lanes of a webhook (see `armLaneList`). */
export async function armLanes(
  tx: Tx,
  webhookId: string,
  lanes: readonly string[],
  now: number,
): Promise<void> {
  await armLaneList(
    tx,
    lanes.map((lane) => [webhookId, lane] as const),
    now,
  );
}

/** Arms every lane of a webhook that has pending deliveries but none armed (after recover, or a repair). */
export async function armIdleLanes(tx: Tx, webhookId: string, now: number): Promise<void> {
  const lanes = await query<{ lane: string; armed: number | string }>(
    tx,
    "select lane, count(next_attempt) as armed from webhook_deliveries where webhook_id = ? and status = 'pending' group by lane",
    [webhookId],
  );
  const idle = lanes.rows.filter((r) => Number(r.armed) === 0).map((r) => r.lane);
  for (let i = 0; i < idle.length; i += ARM_CHUNK)
    await armLanes(tx, webhookId, idle.slice(i, i + ARM_CHUNK), now);
}

/** Locks a webhook row until commit on PostgreSQL; lane bookkeeping of one webhook is serialised by it. */
export async function lockHook(tx: Tx, id: string): Promise<WebhookRow | undefined> {
  const text = onPostgres(tx)
    ? 'select * from webhooks where id = ? for update'
    : 'select * from webhooks where id = ?';
  return (await query<WebhookRow>(tx, text, [id])).rows[0];
}

/** Locks webhook rows (in id order) until commit on PostgreSQL, for the bookkeeping of their lanes. */
export async function lockHooks(tx: Tx, ids: readonly string[]): Promise<Map<string, WebhookRow>> {
  const list = padded([...ids].sort());
  const text = `select * from webhooks where id in (${marks(list.length)}) order by id${onPostgres(tx) ? ' for update' : ''}`;
  const rows = (await query<WebhookRow>(tx, text, list)).rows;
  return new Map(rows.map((r) => [r.id, r]));
}
