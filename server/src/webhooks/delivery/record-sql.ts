import type { Tx } from '../../store/database.ts';
import { marks, rawQuery as query } from '../../store/raw.ts';
import { newId } from '../../util/ids.ts';
import type { PostResult } from '../transport.ts';
import { chunks, padded } from './sql-shapes.ts';

/**
 * The statements that record answers. Each delivery update is guarded by its attempt count, so an
 * answer from a node that lost the lease cannot overwrite a newer one; each returns the ids it changed.
 */

/**
 * A failed attempt: pending again at `nextAttempt`, or failed for good when it is null. `attempts` is
 * the count before this attempt (the guard), `round` the round's count after it.
 */
export async function recordFailure(
  tx: Tx,
  delivery: { id: string; attempts: number; round: number },
  result: PostResult,
  error: string | null,
  nextAttempt: number | null,
  nowS: number,
): Promise<string[]> {
  const updated = await query<{ id: string }>(
    tx,
    'update webhook_deliveries set status = ?, attempts = ?, round = ?, next_attempt = ?, last_status = ?, last_error = ?, updated = ?' +
      " where id = ? and status = 'pending' and attempts = ? returning id",
    [
      nextAttempt === null ? 'failed' : 'pending',
      delivery.attempts + 1,
      delivery.round,
      nextAttempt,
      result.status,
      error,
      nowS,
      delivery.id,
      delivery.attempts,
    ],
  );
  return updated.rows.map((r) => r.id);
}

/** Successes that share every value written (attempts before, round, status, error): one statement. */
export interface SuccessGroup {
  attemptsBefore: number;
  round: number;
  status: number | null;
  error: string | null;
  ids: string[];
}

export async function recordSuccesses(tx: Tx, group: SuccessGroup, nowS: number): Promise<string[]> {
  const ids = padded(group.ids);
  const updated = await query<{ id: string }>(
    tx,
    "update webhook_deliveries set status = 'delivered', attempts = ?, round = ?, next_attempt = null, last_status = ?, last_error = ?, updated = ?, delivered = ?" +
      ` where id in (${marks(ids.length)}) and status = 'pending' and attempts = ? returning id`,
    [
      group.attemptsBefore + 1,
      group.round,
      group.status,
      group.error,
      nowS,
      nowS,
      ...ids,
      group.attemptsBefore,
    ],
  );
  return updated.rows.map((r) => r.id);
}

/** Which of these deliveries still exist (a webhook deleted meanwhile took its deliveries along). */
export async function existingDeliveries(tx: Tx, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const list = padded(ids);
  const found = await query<{ id: string }>(
    tx,
    `select id from webhook_deliveries where id in (${marks(list.length)})`,
    list,
  );
  return found.rows.map((r) => r.id);
}

export interface AttemptLogRow {
  deliveryId: string;
  webhookId: string;
  appId: string;
  result: PostResult;
  error: string | null;
}

/** Appends attempt log rows, in a few multi-row inserts. */
export async function insertAttempts(tx: Tx, rows: readonly AttemptLogRow[], nowS: number): Promise<void> {
  for (const chunk of chunks(rows)) {
    const values: unknown[] = [];
    for (const { deliveryId, webhookId, appId, result, error } of chunk) {
      values.push(
        newId(),
        deliveryId,
        webhookId,
        appId,
        nowS,
        result.status,
        result.duration,
        result.response,
        error,
      );
    }
    await query(
      tx,
      'insert into webhook_attempts (id, delivery_id, webhook_id, app_id, created, status, duration, response, error) values ' +
        Array.from({ length: chunk.length }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
      values,
    );
  }
}

/** A webhook's failure clock, and its switch when the server disables it. */
export async function updateHookHealth(
  tx: Tx,
  webhookId: string,
  failingSince: number | null,
  disabledReason: string | undefined,
): Promise<void> {
  await tx
    .updateTable('webhooks')
    .set({ failingSince, ...(disabledReason !== undefined ? { active: 0, disabledReason } : {}) })
    .where('id', '=', webhookId)
    .execute();
}
