import type { App } from '../apps/apps.ts';
import type { Store } from '../store/database.ts';
import type { DeliveryRow } from '../store/schema.ts';
import { conflict, notFound } from '../util/errors.ts';
import { decodeCursor, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import {
  type Attempt as AttemptView,
  type Delivery as DeliveryView,
  presentAttempt,
  presentDelivery,
} from '../wire/webhook.ts';
import { armIdleLanes } from './delivery/lanes.ts';
import { findWebhook, lockWebhook } from './registry.ts';
import { inTransaction } from './tx.ts';

/** The delivery log (docs/webhooks.md, ext): what was sent, every attempt, and re-sending. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export async function listDeliveries(
  store: Store,
  app: App,
  webhookId: string,
  query: { status?: DeliveryStatus | undefined; limit?: number | undefined; cursor?: string | undefined },
): Promise<{ deliveries: DeliveryView[]; next: string | null }> {
  await findWebhook(store, app.id, webhookId);
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor);
  let q = store.db.selectFrom('webhookDeliveries').selectAll().where('webhookId', '=', webhookId);
  if (query.status) q = q.where('status', '=', query.status);
  if (after) q = q.where('id', '<', after);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const { items, next } = page(rows, limit);
  return { deliveries: items.map(presentDelivery), next };
}

async function findDelivery(
  store: Store,
  app: App,
  webhookId: string,
  deliveryId: string,
): Promise<DeliveryRow> {
  await findWebhook(store, app.id, webhookId);
  const row = await store.db
    .selectFrom('webhookDeliveries')
    .selectAll()
    .where('id', '=', deliveryId)
    .where('webhookId', '=', webhookId)
    .executeTakeFirst();
  if (!row) throw notFound('Delivery not found');
  return row;
}

export async function getDelivery(
  store: Store,
  app: App,
  webhookId: string,
  deliveryId: string,
): Promise<{ delivery: DeliveryView; attempts: AttemptView[]; payload: unknown }> {
  const row = await findDelivery(store, app, webhookId, deliveryId);
  const attempts = await store.db
    .selectFrom('webhookAttempts')
    .selectAll()
    .where('deliveryId', '=', row.id)
    .orderBy('id')
    .execute();
  return {
    delivery: presentDelivery(row),
    attempts: attempts.map(presentAttempt),
    payload: JSON.parse(row.body),
  };
}

/**
 * Sends a delivery again, with a fresh retry round: a delivered or failed one at once (it is a re-send,
 * outside its chat's order), a pending one as soon as its turn comes. The body and id stay the same.
 */
export async function retryDelivery(
  store: Store,
  app: App,
  webhookId: string,
  deliveryId: string,
): Promise<DeliveryView> {
  const row = await findDelivery(store, app, webhookId, deliveryId);
  if (row.trigger === 'chats:assign') {
    throw conflict('chats:assign calls are answered at the jump itself and are never sent again');
  }
  return inTransaction(store, async (tx) => {
    await lockWebhook(tx, app.id, webhookId);
    const now = Date.now();
    const current = await tx
      .selectFrom('webhookDeliveries')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    const armed = current.status !== 'pending' || current.nextAttempt !== null;
    await tx
      .updateTable('webhookDeliveries')
      .set({ status: 'pending', round: 0, nextAttempt: armed ? now : null, updated: nowSeconds() })
      .where('id', '=', row.id)
      .execute();
    await tx
      .updateTable('webhooks')
      .set((eb) => ({ gen: eb('gen', '+', 1), nextDue: now }))
      .where('id', '=', webhookId)
      .execute();
    return presentDelivery(
      await tx.selectFrom('webhookDeliveries').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow(),
    );
  });
}

/** Queues again every failed delivery created since `since` (Unix seconds); they go in each chat's order. */
export async function recoverDeliveries(
  store: Store,
  app: App,
  webhookId: string,
  since: number,
): Promise<number> {
  return inTransaction(store, async (tx) => {
    await lockWebhook(tx, app.id, webhookId);
    const result = await tx
      .updateTable('webhookDeliveries')
      .set({ status: 'pending', round: 0, nextAttempt: null, updated: nowSeconds() })
      .where('webhookId', '=', webhookId)
      .where('status', '=', 'failed')
      .where('trigger', '!=', 'chats:assign')
      .where('created', '>=', since)
      .executeTakeFirst();
    const queued = Number(result.numUpdatedRows);
    if (queued > 0) {
      const now = Date.now();
      await armIdleLanes(tx, webhookId, now);
      await tx
        .updateTable('webhooks')
        .set((eb) => ({ gen: eb('gen', '+', 1), nextDue: now }))
        .where('id', '=', webhookId)
        .execute();
    }
    return queued;
  });
}

/** Deletes deliveries (with their attempts and payloads) created before the retention window. */
export async function pruneDeliveries(
  store: Store,
  retentionDays: number,
  now = nowSeconds(),
): Promise<number> {
  const cutoff = now - retentionDays * 86400;
  let pruned = 0;
  for (;;) {
    const ids = (
      await store.db
        .selectFrom('webhookDeliveries')
        .select('id')
        .where('created', '<', cutoff)
        .limit(500)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) return pruned;
    await store.transaction(async (tx) => {
      await tx.deleteFrom('webhookAttempts').where('deliveryId', 'in', ids).execute();
      await tx.deleteFrom('webhookDeliveries').where('id', 'in', ids).execute();
    });
    pruned += ids.length;
  }
}
