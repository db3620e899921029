import { type DeliveryContext, type DispatcherOptions, deliveryContext } from './context.ts';
import { createOutboxReader } from './outbox-reader.ts';
import { createPumps } from './pumps.ts';
import { createRecorder } from './recorder.ts';

/**
 * The webhook dispatcher (docs/webhooks.md): outbox → deliveries → signed POSTs → attempt log.
 *
 * - **Fan-out** (`outbox-reader.ts`, `fanout.ts`) reads each app's outbox by event position after a
 *   per-app cursor, and in one transaction creates one delivery per matching webhook and moves the
 *   cursor: nothing acknowledged is lost, whatever crashes when.
 * - **Pumps** (`pumps.ts`, `pump.ts`) send deliveries. One node at a time holds a webhook's lease
 *   (renewed while it works, short so a crashed node's work is taken over within seconds); lanes
 *   (one per chat, `lanes.ts`) keep order. Retry times live in the delivery rows and the webhook's
 *   `nextDue`, so they survive any restart.
 * - **The recorder** (`recorder.ts`, `record-attempts.ts`, `verdict.ts`) writes the answers of all
 *   pumps in batches: delivery state, attempt rows, the next delivery of each lane, disabling.
 */
export interface Dispatcher {
  start(): void;
  stop(): Promise<void>;
  /** An app has new events: read its outbox soon. */
  kickApp(appId: string): void;
  /** Deliveries of a webhook may be due now. */
  wake(webhookId: string): void;
  /** The app now has webhooks: its events are worth a look. */
  watchApp(appId: string): void;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const ctx: DeliveryContext = deliveryContext(options);
  const recorder = createRecorder(ctx);
  const pumps = createPumps(ctx, recorder);
  const outbox = createOutboxReader(ctx, (webhookId) => pumps.wake(webhookId));
  return {
    start() {
      if (ctx.running) return;
      ctx.running = true;
      pumps.start();
      outbox.start();
    },
    async stop() {
      if (!ctx.running) return;
      ctx.running = false;
      ctx.stopping.abort(new Error('the server is shutting down'));
      // Pumps wait for their answers to be recorded: nothing answered is lost.
      await pumps.stop();
      await outbox.stop();
      await recorder.idle();
    },
    kickApp: (appId) => outbox.kick(appId),
    wake: (webhookId) => pumps.wake(webhookId),
    watchApp: (appId) => outbox.watch(appId),
  };
}
