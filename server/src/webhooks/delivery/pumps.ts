import { poller, type Wakeable, wakeable } from '../../timers/lease.ts';
import type { DeliveryContext } from './context.ts';
import { runPump } from './pump.ts';
import { claimLease, dueWebhooks } from './pump-sql.ts';
import { openPump } from './pump-state.ts';
import type { Recorder } from './recorder.ts';

/**
 * The pumps of this node: a scan claims the lease of each due webhook nobody holds and starts its
 * pump; each webhook has its own, so a dead endpoint only ever holds up itself. The scan runs every
 * `pollMs`, and at once when a webhook without a pump here gets work.
 */
export interface Pumps {
  start(): void;
  /** Ends every pump (attempts out are cut short by the dispatcher's abort) and the scan. */
  stop(): Promise<void>;
  /** Deliveries of a webhook may be due now. */
  wake(webhookId: string): void;
}

interface RunningPump {
  signal: Wakeable;
  done: Promise<void>;
}

/** Webhooks claimed by one scan at most. */
const SCAN_LIMIT = 200;

export function createPumps(ctx: DeliveryContext, recorder: Recorder): Pumps {
  const { store, nodeId, settings } = ctx;
  const pumps = new Map<string, RunningPump>();
  const slots = new Map<string, number>();

  const scanner = poller({
    idleMs: settings.pollMs,
    async pass() {
      const now = Date.now();
      for (const id of await dueWebhooks(store.db, now, SCAN_LIMIT)) {
        if (!ctx.running) return;
        if (pumps.has(id)) continue;
        if (await claimLease(store.db, id, nodeId, now, now + settings.leaseMs)) startPump(id);
      }
    },
    onError: (error) => ctx.log().error({ err: error }, 'webhook scan failed'),
  });

  function startPump(id: string): void {
    const signal = wakeable();
    const pump: RunningPump = { signal, done: Promise.resolve() };
    pumps.set(id, pump);
    pump.done = openPump(ctx, id, signal)
      .then((state) => runPump(ctx, recorder, state, slots))
      .catch((error: unknown) => {
        if (ctx.running) ctx.log().error({ err: error, webhookId: id }, 'webhook pump failed');
      })
      .finally(() => {
        pumps.delete(id);
        // Work may have arrived while it was stopping.
        if (ctx.running) setTimeout(() => scanner.wake(), 50).unref();
      });
  }

  return {
    start() {
      scanner.start();
    },
    async stop() {
      for (const pump of pumps.values()) pump.signal.wake();
      // The scan first: a lease it was claiming as the stop came gets its pump, which ends at once.
      await scanner.stop();
      for (const pump of pumps.values()) pump.signal.wake();
      await Promise.allSettled([...pumps.values()].map((p) => p.done));
    },
    wake(webhookId) {
      const pump = pumps.get(webhookId);
      if (pump) pump.signal.wake();
      else scanner.wake();
    },
  };
}
