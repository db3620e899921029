import type { Ctx } from '../events/context.ts';
import type { Presence } from '../presence/presence.ts';
import { poller } from '../timers/lease.ts';
import { pruneAudience } from './log.ts';

/** How often the audience table is pruned (it only needs to stay near the retention window). */
const PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * Housekeeping of a node's gateway, one beat each `maintenanceMs` (a third of the node lease): renew
 * this node's presence lease and sweep the rows of nodes whose lease ran out (presence.ts), so a dead
 * node's users start their reconnect grace within about a lease and a beat of its death; now and then
 * drop audience rows past the retention window (nothing can resume there). Beats never overlap: a
 * slow store delays the next one rather than piling renewals up.
 */
export function startMaintenance(
  ctx: Ctx,
  presence: Presence,
  options: { maintenanceMs: number; retentionMs: number },
  onError: (error: unknown, what: string) => void,
): { stop(): Promise<void> } {
  let prunedAt = 0;
  const beats = poller({
    idleMs: options.maintenanceMs,
    async pass() {
      try {
        await presence.maintain();
      } catch (error) {
        onError(error, 'realtime: presence maintenance failed');
      }
      if (Date.now() - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        await pruneAudience(ctx.store.db, options.retentionMs).catch((error) =>
          onError(error, 'realtime: pruning the audience failed'),
        );
      }
    },
    onError: (error) => onError(error, 'realtime: maintenance failed'),
  });
  beats.start();
  return { stop: () => beats.stop() };
}
