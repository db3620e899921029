import type { WebhookRow } from '../../store/schema.ts';
import { nextTurn, pause } from '../../timers/lease.ts';
import { inTransaction } from '../tx.ts';
import { attemptDelivery } from './attempt.ts';
import type { DeliveryContext, DueDelivery } from './context.ts';
import { armIdleLanes, lockHook } from './lanes.ts';
import { answered, answersRecorded } from './pump-answers.ts';
import { dueDeliveries, idleState, loadHook, releaseDue, releaseIdle } from './pump-sql.ts';
import type { PumpState } from './pump-state.ts';
import type { Recorder } from './recorder.ts';

/**
 * A webhook's pump, run while this node holds the webhook's lease: the head of each lane is attempted,
 * up to `parallel` lanes at once; a lane's next event goes only when the one before it was recorded
 * as delivered or given up. With nothing due soon the lease is handed back and the webhook's
 * `nextDue` left for whoever scans next.
 */

/**
 * Lanes of one webhook with an attempt out or an answer waiting to be recorded, at most. Attempts out
 * are limited by `parallel`; an answered lane stays blocked until its answer is committed but no
 * longer holds an attempt slot, so the store's latency does not limit how fast a webhook's lanes move,
 * and answers are recorded in large batches.
 */
const MAX_UNRECORDED = 128;
/** A pump that just had work waits this long for more before the queries of going idle. */
const LINGER_MS = 300;
/** A pump with nothing due sooner than this hands its lease back and leaves the wake-up to `nextDue`. */
const IDLE_KEEP_MS = 1500;

/** Per rate-limited webhook: the earliest time its next attempt may start (kept across pump runs). */
export type RateSlots = Map<string, number>;

export async function runPump(
  ctx: DeliveryContext,
  recorder: Recorder,
  pump: PumpState,
  slots: RateSlots,
): Promise<void> {
  const { store, nodeId } = ctx;
  const { id, signal, lease } = pump;
  try {
    if (pump.hook?.active !== 1) return;
    await inTransaction(store, async (tx) => {
      if (await lockHook(tx, id)) await armIdleLanes(tx, id, Date.now());
    });
    while (ctx.running) {
      const now = Date.now();
      // Taken over (we stalled past the lease): stop starting attempts.
      if (!(await lease.keep(now))) break;
      if (pump.disabled) break;
      if (now - pump.loadedAt >= 1000) {
        pump.hook = await loadHook(store.db, id);
        pump.loadedAt = now;
      }
      if (pump.hook?.active !== 1) break;
      if (now < pump.pauseUntil) {
        await pause(pump.pauseUntil - now, ctx.stopping.signal);
        continue;
      }
      const turn = await startDue(ctx, recorder, pump, pump.hook, slots, now);
      if (turn === 'stop') break;
      const { started, rateWait } = turn;
      if (started > 0 || pump.busyLanes.size > 0) pump.lastWork = Date.now();
      if (rateWait > 0) {
        await pause(Math.min(1000, rateWait), ctx.stopping.signal);
        continue;
      }
      if (started > 0 || pump.busyLanes.size > 0) {
        await signal.sleep(1000);
        // Let the other answers of this turn of the event loop come in: one query starts them all.
        await nextTurn();
        continue;
      }
      // Nothing out, nothing due. A webhook that was just busy usually gets more in a moment (events
      // of this node wake it at once): linger a little before the queries of going idle.
      const quiet = Date.now() - pump.lastWork;
      pump.stale = true;
      if (quiet < LINGER_MS) {
        await signal.sleep(LINGER_MS - quiet);
        continue;
      }
      const state = await idleState(store.db, id);
      if (!state) break;
      const { next } = state;
      if (next !== null && next - Date.now() <= IDLE_KEEP_MS) {
        await signal.sleep(Math.max(0, Math.min(1000, next - Date.now())));
        continue;
      }
      // Hand the lease back, unless deliveries became due meanwhile (gen moved): then go on.
      if (await lease.release(() => releaseIdle(store.db, id, nodeId, state.gen, next))) return;
      pump.lastWork = Date.now();
    }
  } finally {
    await Promise.allSettled([...pump.attempts]);
    await answersRecorded(pump);
    // Stopping, disabled or deleted: leave it due, so whoever runs next looks at it at once.
    if (lease.held) await lease.release(() => releaseDue(store.db, id, nodeId)).catch(() => undefined);
  }
}

/**
 * Starts attempts of due deliveries in lanes that have none out, within `parallel`, the unrecorded
 * limit and the webhook's rate limit. 'stop' when the webhook, read again after idling, is switched off.
 */
async function startDue(
  ctx: DeliveryContext,
  recorder: Recorder,
  pump: PumpState,
  hook: WebhookRow,
  slots: RateSlots,
  now: number,
): Promise<{ started: number; rateWait: number } | 'stop'> {
  const { parallel } = ctx.settings;
  const { id, attempts, busyLanes } = pump;
  let started = 0;
  // With a rateLimit, the time until the next attempt may start (waited for by the caller, so the
  // lease keeps being renewed however slow the rate).
  let rateWait = 0;
  const free = Math.min(parallel - attempts.size, MAX_UNRECORDED - busyLanes.size);
  if (free <= 0) return { started, rateWait };
  const rows = await dueDeliveries(ctx.store.db, id, now, busyLanes, free + 4);
  if (pump.stale && rows.length > 0) {
    // Back from idle: the webhook may have changed meanwhile (secrets, target, switched off).
    pump.hook = await loadHook(ctx.store.db, id);
    pump.loadedAt = Date.now();
    pump.stale = false;
    if (pump.hook?.active !== 1) return 'stop';
    hook = pump.hook;
  }
  for (const row of rows) {
    if (!ctx.running || pump.disabled || attempts.size >= parallel || busyLanes.size >= MAX_UNRECORDED) break;
    if (busyLanes.has(row.lane)) continue;
    if (hook.rateLimit) {
      const slot = slots.get(id) ?? 0;
      const wait = slot - Date.now();
      if (wait > 0) {
        rateWait = wait;
        break;
      }
      slots.set(id, Math.max(Date.now(), slot) + 1000 / hook.rateLimit);
    }
    startAttempt(ctx, recorder, pump, hook, row);
    started++;
  }
  return { started, rateWait };
}

function startAttempt(
  ctx: DeliveryContext,
  recorder: Recorder,
  pump: PumpState,
  hook: WebhookRow,
  row: DueDelivery,
): void {
  const { lane } = row;
  pump.busyLanes.add(lane);
  const attempt: Promise<void> = attemptDelivery(ctx, hook, row)
    .then((result) => {
      if (result) answered(ctx, recorder, pump, { row, result });
      else pump.busyLanes.delete(lane); // cut short by shutdown: stays pending
    })
    .catch((error: unknown) => {
      pump.busyLanes.delete(lane);
      if (ctx.running)
        ctx.log().error({ err: error, webhookId: pump.id, deliveryId: row.id }, 'webhook attempt failed');
    })
    .finally(() => {
      pump.attempts.delete(attempt);
      pump.signal.wake();
    });
  pump.attempts.add(attempt);
}
