/**
 * The one lease/poll helper: everything that claims due work from the store (durable timers, the
 * webhook dispatcher's scans and pumps; presence next) is built from these three pieces.
 *
 * - `poller`: runs a pass (claim what is due, start it) when woken, at a planned time, or at the
 *   latest `idleMs` after the last pass (the back-off when idle); passes never overlap, a wake during
 *   a pass runs one more pass after it, and `stop()` waits for the running pass.
 * - `holdLease`: a lease on one row while its work runs: renewed every `renewMs`, reported lost when
 *   the renewal finds another owner, given back at the end.
 * - `wakeable` and `pause`: the waits inside such work, cut short by a wake-up or by shutdown.
 *
 * Lease lengths and claim statements stay with their owners; the helper only keeps the rhythm.
 */

import { AsyncResource } from 'node:async_hooks';

export interface Poller {
  /** Starts polling: the first pass runs at once. */
  start(): void;
  /**
   * Without `at`: a pass now (at once if none runs, else right after the running one).
   * With `at` (ms since the epoch): a pass no later than then; never delays a pass planned sooner.
   */
  wake(at?: number): void;
  /** Stops planning passes and waits for the running one to finish. */
  stop(): Promise<void>;
  readonly running: boolean;
}

export interface PollerOptions {
  /**
   * One pass. May return when work is next due (ms since the epoch): the next pass is planned then
   * (but no later than `idleMs` from now). Throwing is reported to `onError` and polling goes on.
   */
  pass(): Promise<number | undefined> | Promise<void>;
  /** The longest wait between passes; without it, passes run only when woken. */
  idleMs?: number;
  onError(error: unknown): void;
}

export function poller(options: PollerOptions): Poller {
  const { idleMs } = options;
  // Passes run in the context the poller was made in, not in that of whoever woke it (a request):
  // background work is not the request's (its async-local state, its logging, its accounting).
  const scope = new AsyncResource('poller');
  let running = false;
  let passing: Promise<void> | undefined;
  let again = false;
  let timeout: NodeJS.Timeout | undefined;
  /** When the planned pass fires (performance.now() ms); +∞ when none is planned. */
  let plannedAt = Number.POSITIVE_INFINITY;

  function plan(at: number): void {
    if (!running) return;
    const cap = idleMs ?? Number.POSITIVE_INFINITY;
    const delay = Math.max(0, Math.min(at - Date.now(), cap));
    if (!Number.isFinite(delay)) return;
    // Compared on the monotonic clock: a wall-clock step (NTP, a test's clock) never keeps a pass
    // planned long ago in the place of one due sooner.
    const due = performance.now() + delay;
    if (timeout && due >= plannedAt) return;
    if (timeout) clearTimeout(timeout);
    plannedAt = due;
    timeout = setTimeout(() => {
      timeout = undefined;
      plannedAt = Number.POSITIVE_INFINITY;
      runPasses();
    }, delay);
    timeout.unref();
  }

  function runPasses(): void {
    if (!running) return;
    if (passing) {
      again = true;
      return;
    }
    passing = scope.runInAsyncScope(async () => {
      let next: unknown;
      do {
        again = false;
        try {
          next = await options.pass();
        } catch (error) {
          next = undefined;
          if (running) options.onError(error);
        }
      } while (again && running);
      passing = undefined;
      if (running && idleMs !== undefined) plan(typeof next === 'number' ? next : Date.now() + idleMs);
      else if (running && typeof next === 'number') plan(next);
    });
  }

  return {
    start() {
      if (running) return;
      running = true;
      runPasses();
    },
    wake(at) {
      if (at === undefined) runPasses();
      else plan(at);
    },
    async stop() {
      running = false;
      if (timeout) clearTimeout(timeout);
      timeout = undefined;
      plannedAt = Number.POSITIVE_INFINITY;
      await passing;
    },
    get running() {
      return running;
    },
  };
}

export interface Lease {
  /** False once lost (a renewal found another owner) or given back. */
  readonly held: boolean;
  /** Renews the lease if `renewMs` have passed since the last renewal; false when it is not held. */
  keep(now?: number): Promise<boolean>;
  /**
   * Gives the lease back with `giveBack` (a statement that clears it only while it is ours, and
   * answers whether it did). Returns that answer; the lease is no longer held when it is true.
   */
  release(giveBack: () => Promise<boolean>): Promise<boolean>;
}

export interface LeaseOptions {
  /** Extends the lease to `until` (ms) if it is still ours; answers whether it was. */
  renew(until: number): Promise<boolean>;
  leaseMs: number;
  /** How often to renew; a quarter of the lease by default. */
  renewMs?: number;
}

/** A lease just claimed (now) by its owner. */
export function holdLease(options: LeaseOptions): Lease {
  const renewMs = options.renewMs ?? Math.floor(options.leaseMs / 4);
  let held = true;
  let renewedAt = Date.now();
  return {
    get held() {
      return held;
    },
    async keep(now = Date.now()) {
      if (!held) return false;
      if (now - renewedAt < renewMs) return true;
      const kept = await options.renew(now + options.leaseMs);
      renewedAt = now;
      if (!kept) held = false;
      return kept;
    },
    async release(giveBack) {
      if (!held) return false;
      const given = await giveBack();
      if (given) held = false;
      return given;
    },
  };
}

/** A wait that a wake-up cuts short; a wake-up while nobody waits makes the next wait return at once. */
export interface Wakeable {
  sleep(ms: number): Promise<void>;
  wake(): void;
}

export function wakeable(): Wakeable {
  let resolve: (() => void) | undefined;
  let pending = false;
  return {
    sleep(ms) {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((done) => {
        const timer = setTimeout(() => {
          resolve = undefined;
          done();
        }, ms);
        resolve = () => {
          clearTimeout(timer);
          resolve = undefined;
          done();
        };
      });
    },
    wake() {
      if (resolve) resolve();
      else pending = true;
    },
  };
}

/** Waits `ms`, or less if `signal` aborts meanwhile (shutdown). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves after the other callbacks of this turn of the event loop (to gather a burst into one pass). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
