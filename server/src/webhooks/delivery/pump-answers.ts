import { nextTurn } from '../../timers/lease.ts';
import type { Completion, DeliveryContext } from './context.ts';
import type { PumpState } from './pump-state.ts';
import { FLUSH_MAX, type Recorder } from './recorder.ts';

/**
 * A pump's answers on their way to the recorder: whatever came back while the previous batch was
 * being written goes in the next one. A lane stays busy until its answer is committed (which arms
 * its next delivery), so order holds.
 */

export function answered(
  ctx: DeliveryContext,
  recorder: Recorder,
  pump: PumpState,
  answer: Completion,
): void {
  pump.answers.push(answer);
  queueFlush(ctx, recorder, pump);
}

/** Resolves once every answer handed in is recorded (or failed to be). */
export async function answersRecorded(pump: PumpState): Promise<void> {
  while (pump.flushing) await pump.flushing;
}

function queueFlush(ctx: DeliveryContext, recorder: Recorder, pump: PumpState): void {
  pump.flushing ??= flushAll(ctx, recorder, pump).finally(() => {
    pump.flushing = undefined;
    if (pump.answers.length > 0) queueFlush(ctx, recorder, pump);
  });
}

async function flushAll(ctx: DeliveryContext, recorder: Recorder, pump: PumpState): Promise<void> {
  await nextTurn();
  while (pump.answers.length > 0) {
    const batch = pump.answers.splice(0, FLUSH_MAX);
    try {
      const outcome = await recorder.record(pump.id, batch);
      if (outcome.hook) {
        pump.hook = outcome.hook;
        pump.loadedAt = Date.now();
      }
      if (outcome.stop) pump.disabled = true;
    } catch (error) {
      // Still pending in the store: they are sent again (at least once), after a pause.
      if (ctx.running)
        ctx
          .log()
          .error(
            { err: error, webhookId: pump.id, count: batch.length },
            'recording webhook attempts failed',
          );
      pump.pauseUntil = Date.now() + 1000;
    } finally {
      for (const c of batch) pump.busyLanes.delete(c.row.lane);
      pump.signal.wake();
    }
  }
}
