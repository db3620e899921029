import { nextTurn, poller } from '../../timers/lease.ts';
import type { DeliveryContext } from './context.ts';
import { fanOutBatch } from './fanout.ts';
import { appsBehind, appsWithCursors } from './fanout-sql.ts';

/**
 * Decides which apps' outboxes to fan out, and when: at once for an event of this node (`kick`),
 * and on a slower poll for apps whose outbox is ahead of their cursor (events written by another
 * node, or before a restart). One fan-out runs at a time; kicks meanwhile join the next round.
 */
export interface OutboxReader {
  start(): void;
  stop(): Promise<void>;
  /** An app has new events: read its outbox soon (if it has webhooks). */
  kick(appId: string): void;
  /** The app now has webhooks: its events are worth a look. */
  watch(appId: string): void;
}

export function createOutboxReader(ctx: DeliveryContext, onDue: (webhookId: string) => void): OutboxReader {
  /** Apps with webhooks (a cursor): only their events are worth reading. */
  const watched = new Set<string>();
  /** Apps to read in the next fan-out round. */
  const dirty = new Set<string>();

  const fanOut = poller({
    async pass() {
      // Let the events of one commit (and of commits close together) arrive before reading.
      await nextTurn();
      while (dirty.size > 0 && ctx.running) {
        const apps = [...dirty];
        dirty.clear();
        for (const appId of apps) {
          if (!ctx.running) return;
          try {
            for (;;) {
              const { more, touched } = await fanOutBatch(ctx.store, appId);
              for (const id of touched) onDue(id);
              if (!more || !ctx.running) break;
            }
          } catch (error) {
            // The cursor did not move; the next poll tries again.
            if (ctx.running) ctx.log().error({ err: error, appId }, 'webhook fan-out failed');
          }
        }
      }
    },
    onError: (error) => ctx.log().error({ err: error }, 'webhook fan-out failed'),
  });

  // The outbox check is a join over apps with webhooks: every other dispatcher poll is plenty.
  const findBehind = poller({
    idleMs: 2 * ctx.settings.pollMs,
    async pass() {
      for (const appId of await appsWithCursors(ctx.store.db)) watched.add(appId);
      for (const appId of await appsBehind(ctx.store.db)) dirty.add(appId);
      if (dirty.size > 0) fanOut.wake();
    },
    onError: (error) => ctx.log().error({ err: error }, 'webhook poll failed'),
  });

  return {
    start() {
      fanOut.start();
      findBehind.start();
    },
    async stop() {
      await Promise.allSettled([findBehind.stop(), fanOut.stop()]);
    },
    kick(appId) {
      if (!watched.has(appId)) return;
      dirty.add(appId);
      fanOut.wake();
    },
    watch(appId) {
      watched.add(appId);
    },
  };
}
