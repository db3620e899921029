import type { Static, TSchema } from '@sinclair/typebox';
import { afterCommit } from '../events/commit.ts';
import type { Store, Tx } from '../store/database.ts';
import { jsonColumn } from '../store/json.ts';
import type { TimerRow } from '../store/schema.ts';
import { claimOf, holdTimerClaim } from './claims.ts';
import { poller } from './lease.ts';
import {
  claimDueTimers,
  deleteClaimedTimer,
  deleteTimer,
  nextClaimable,
  retryTimerLater,
  upsertTimer,
} from './statements.ts';

/**
 * Durable timers (docs/routing.md, "Timers"): rows with a due time, claimed by whichever node is alive.
 * A claim is a lease: a node that dies mid-handler loses it, and another node runs the timer again,
 * so handlers must be idempotent (they re-check the state they act on).
 */
export type TimerHandler = (timer: TimerRow) => Promise<void>;

export interface NewTimer {
  kind: string;
  ref: string;
  appId: string;
  /** Unix time in milliseconds. */
  due: number;
  payload?: Record<string, unknown>;
}

const wakeListeners = new Set<(due: number) => void>();

/** Sets (or moves) the timer `kind`/`ref` inside the caller's transaction; workers wake after commit. */
export async function scheduleTimer(tx: Tx, timer: NewTimer): Promise<void> {
  const payload = timer.payload === undefined ? '{}' : JSON.stringify(timer.payload);
  await upsertTimer.run(tx, {
    kind: timer.kind,
    ref: timer.ref,
    appId: timer.appId,
    due: timer.due,
    payload,
  });
  afterCommit(tx, () => {
    for (const wake of wakeListeners) wake(timer.due);
  });
}

/** Timers whose handler removed them in its own transaction (see consumeTimer). */
const consumed = new WeakSet<TimerRow>();

/**
 * Removes the claimed `timer` inside the handler's transaction, so the work and the timer's end commit
 * together and the worker need not remove it in a transaction of its own afterwards. Only the claim
 * the handler holds is removed: a timer rescheduled meanwhile stays.
 */
export async function consumeTimer(tx: Tx, timer: TimerRow): Promise<void> {
  const claim = claimOf(timer);
  if (!claim) return;
  await deleteClaimedTimer.run(tx, { kind: timer.kind, ref: timer.ref, ...claim });
  afterCommit(tx, () => consumed.add(timer));
}

export async function cancelTimer(tx: Tx, kind: string, ref: string): Promise<void> {
  await deleteTimer.run(tx, { kind, ref });
}

export interface TimerWorker {
  register(kind: string, handler: TimerHandler): void;
  start(): void;
  stop(): Promise<void>;
  /** Runs everything due now and waits for it (tests use it). */
  runDue(): Promise<number>;
  /** Look for due timers by `at` (ms) at the latest: another node may have scheduled one. */
  wake(at?: number): void;
}

/** How long a claim lasts unrenewed (`SWITCHBOARD_LEASE_MS`): how soon a dead node's timers run elsewhere. */
export const DEFAULT_LEASE_MS = 5000;
const POLL_MS = 1_000;
const BATCH = 100;
const MAX_IN_FLIGHT = 1000;

/** What a failed claim is reported as (there is no timer to name). */
const CLAIM: TimerRow = {
  kind: 'claim',
  ref: '',
  appId: '',
  due: 0,
  claimedUntil: null,
  payload: '{}',
  attempts: 0,
};

export interface TimerWorkerOptions {
  leaseMs?: number;
  /** A renewal found the timer claimed elsewhere (this node stalled past its lease). */
  onLost?: (timer: TimerRow) => void;
}

export function createTimerWorker(
  store: Store,
  onError: (error: unknown, timer: TimerRow) => void,
  options: TimerWorkerOptions = {},
): TimerWorker {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const handlers = new Map<string, TimerHandler>();
  const inFlight = new Set<Promise<void>>();

  async function fire(timer: TimerRow): Promise<void> {
    const handler = handlers.get(timer.kind);
    let finished = false;
    const claim = holdTimerClaim(store.db, timer, {
      leaseMs,
      done: () => finished || consumed.has(timer),
      onLost: () => options.onLost?.(timer),
    });
    try {
      if (!handler) throw new Error(`no handler for timer kind ${timer.kind}`);
      await handler(timer);
      finished = true;
      // Lost to another node meanwhile: the timer is theirs now, to run and to remove.
      if (!(await claim.end()) || consumed.has(timer)) return;
      // Only the claim we hold is removed: a handler that rescheduled the same timer keeps it.
      const held = claimOf(timer);
      if (held) await deleteClaimedTimer.run(store.db, { kind: timer.kind, ref: timer.ref, ...held });
    } catch (error) {
      finished = true;
      onError(error, timer);
      if (!(await claim.end())) return;
      const backoff = Math.min(60_000, 1000 * 2 ** Math.min(timer.attempts, 6));
      await retryTimerLater(store.db, timer, Date.now() + backoff).catch(() => undefined);
    }
  }

  /**
   * Claims what is due and starts it without waiting for it to finish: a handler that waits (the
   * 5 s chats:assign call) must not hold up the timers of other chats.
   */
  async function tick(): Promise<number> {
    let fired = 0;
    for (;;) {
      if (inFlight.size >= MAX_IN_FLIGHT) break;
      const now = Date.now();
      const due = await claimDueTimers(store.db, store.dialect === 'postgres', now, now + leaseMs, BATCH);
      fired += due.length;
      for (const timer of due) {
        const p = fire(timer).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (due.length < BATCH) break;
    }
    return fired;
  }

  const polling = poller({
    idleMs: POLL_MS,
    async pass() {
      try {
        await tick();
      } catch (error) {
        if (polling.running) onError(error, CLAIM);
      }
      if (!polling.running) return undefined;
      return nextClaimable(store.db, Date.now()).catch(() => undefined);
    },
    onError: (error) => onError(error, CLAIM),
  });
  const onWake = (due: number) => polling.wake(due);

  return {
    register(kind, handler) {
      handlers.set(kind, handler);
    },
    start() {
      if (polling.running) return;
      wakeListeners.add(onWake);
      polling.start();
    },
    async stop() {
      wakeListeners.delete(onWake);
      await polling.stop();
      await Promise.allSettled([...inFlight]);
    },
    wake: (at) => polling.wake(at),
    async runDue() {
      const fired = await tick();
      await Promise.allSettled([...inFlight]);
      return fired;
    },
  };
}

/**
 * A checked reader of one timer kind's payload, for its handler: `const jumpPayload =
 * timerPayload('jump', Type.Object({ loopId: Type.Optional(Type.String()) }))`, then
 * `jumpPayload(timer).loopId`. A payload that does not match throws (a corrupt row), like every JSON
 * column read through `store/json.ts`.
 */
export function timerPayload<S extends TSchema>(kind: string, schema: S): (timer: TimerRow) => Static<S> {
  const decode = jsonColumn(`payload of timer ${kind}`, schema);
  return (timer) => decode(timer.payload);
}
