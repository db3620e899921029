import type { Db } from '../store/database.ts';
import type { TimerRow } from '../store/schema.ts';
import { holdLease } from './lease.ts';
import { renewTimerClaim } from './statements.ts';

/**
 * A running timer's claim, renewed every third of the lease while its handler runs (a handler that
 * waits, like the 5 s chats:assign call, keeps its timer), so a short lease only matters when the
 * node dies. The claim's value (`claimedUntil`) is also what the statements that end the claim match
 * on: a renewal moves it, and `claimOf` gives both values while a renewal may be committing.
 */
export interface TimerClaim {
  /** False once a renewal found the timer claimed by another node (or rescheduled, or removed). */
  readonly held: boolean;
  /** Stops renewing and waits for a renewal under way; answers whether the claim is still ours. */
  end(): Promise<boolean>;
}

/** Timers with a renewal under way, and the claim value it moves them to. */
const renewingTo = new WeakMap<TimerRow, number>();

/** The claim values a statement ending `timer`'s claim must accept (before and after a renewal). */
export function claimOf(timer: TimerRow): { claimedUntil: number; renewingTo: number } | undefined {
  if (timer.claimedUntil === null) return undefined;
  return { claimedUntil: timer.claimedUntil, renewingTo: renewingTo.get(timer) ?? timer.claimedUntil };
}

export function holdTimerClaim(
  db: Db,
  timer: TimerRow,
  options: { leaseMs: number; done: () => boolean; onLost: () => void },
): TimerClaim {
  const renewMs = Math.max(1, Math.floor(options.leaseMs / 3));
  const lease = holdLease({
    leaseMs: options.leaseMs,
    // A little under the beat, so a beat that fires a few ms early still renews.
    renewMs: Math.floor(renewMs * 0.8),
    async renew(until) {
      const from = timer.claimedUntil;
      if (from === null) return false;
      renewingTo.set(timer, until);
      try {
        const result = await renewTimerClaim.run(db, { kind: timer.kind, ref: timer.ref, from, until });
        const kept = Number(result.numAffectedRows ?? 0) > 0;
        if (kept) timer.claimedUntil = until;
        return kept;
      } finally {
        renewingTo.delete(timer);
      }
    },
  });
  let renewal: Promise<void> | undefined;
  let reported = false;
  const beat = setInterval(() => {
    // The handler consumed its timer (or finished): nothing left to renew.
    if (renewal || !lease.held || options.done()) return;
    renewal = lease
      .keep()
      .then((kept) => {
        if (!kept && !options.done() && !reported) {
          reported = true;
          options.onLost();
        }
      })
      // A failed renewal (store unreachable) is tried again at the next beat; the claim still holds.
      .catch(() => undefined)
      .finally(() => {
        renewal = undefined;
      });
  }, renewMs);
  beat.unref();
  return {
    get held() {
      return lease.held;
    },
    async end() {
      clearInterval(beat);
      await renewal;
      return lease.held;
    },
  };
}
