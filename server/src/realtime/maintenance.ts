import type { Ctx } from '../events/context.ts';
import type { Presence } from '../presence/presence.ts';
import { pruneAudience } from './log.ts';

/** Rounds between two prunings of the audience table (it only needs to stay near the retention window). */
const PRUNE_EVERY = 60;

/**
 * Housekeeping of a node's gateway each `maintenanceMs`: renew its presence lease and sweep dead nodes
 * (presence.ts); now and then drop audience rows past the retention window (nothing can resume there).
 */
export function startMaintenance(
  ctx: Ctx,
  presence: Presence,
  options: { maintenanceMs: number; retentionMs: number },
  onError: (error: unknown, what: string) => void,
): { stop(): void } {
  let rounds = 0;
  const timer = setInterval(() => {
    presence.maintain().catch((error) => onError(error, 'realtime: presence maintenance failed'));
    if (rounds++ % PRUNE_EVERY === 0) {
      pruneAudience(ctx.store.db, options.retentionMs).catch((error) =>
        onError(error, 'realtime: pruning the audience failed'),
      );
    }
  }, options.maintenanceMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
