import { sql } from 'kysely';
import { afterCommit } from '../events/commit.ts';
import type { Store, Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { TimerRow } from '../store/schema.ts';

/**
 * Durable timers (spec section 6): rows with a due time, claimed by whichever node is alive.
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

const upsertTimer = prepare<
  { kind: string; ref: string; appId: string; due: number; payload: string },
  unknown
>((db, arg) =>
  db
    .insertInto('timers')
    .values({
      kind: arg('kind'),
      ref: arg('ref'),
      appId: arg('appId'),
      due: arg('due'),
      claimedUntil: null,
      payload: arg('payload'),
    })
    .onConflict((oc) =>
      oc
        .columns(['kind', 'ref'])
        .doUpdateSet({ due: arg('due'), claimedUntil: null, payload: arg('payload'), attempts: 0 }),
    ),
);

const deleteTimer = prepare<{ kind: string; ref: string }, unknown>((db, arg) =>
  db.deleteFrom('timers').where('kind', '=', arg('kind')).where('ref', '=', arg('ref')),
);

const deleteClaimedTimer = prepare<{ kind: string; ref: string; claimedUntil: number }, unknown>((db, arg) =>
  db
    .deleteFrom('timers')
    .where('kind', '=', arg('kind'))
    .where('ref', '=', arg('ref'))
    .where('claimedUntil', '=', arg('claimedUntil')),
);

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
  if (timer.claimedUntil === null) return;
  await deleteClaimedTimer.run(tx, { kind: timer.kind, ref: timer.ref, claimedUntil: timer.claimedUntil });
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
}

const LEASE_MS = 60_000;
const POLL_MS = 1_000;
const BATCH = 100;
const MAX_IN_FLIGHT = 1000;

export function createTimerWorker(
  store: Store,
  onError: (error: unknown, timer: TimerRow) => void,
): TimerWorker {
  const handlers = new Map<string, TimerHandler>();
  let running = false;
  let timeout: NodeJS.Timeout | undefined;
  let nextWake = Number.POSITIVE_INFINITY;
  let ticking: Promise<void> | undefined;
  let again = false;
  const inFlight = new Set<Promise<void>>();

  async function claim(now: number): Promise<TimerRow[]> {
    const lease = now + LEASE_MS;
    const lock = store.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const result = await sql<TimerRow>`
      update timers set claimed_until = ${lease}, attempts = attempts + 1
      where (kind, ref) in (
        select kind, ref from timers
        where due <= ${now} and (claimed_until is null or claimed_until < ${now})
        order by due limit ${BATCH} ${lock}
      )
      returning *`.execute(store.db);
    return result.rows;
  }

  async function fire(timer: TimerRow): Promise<void> {
    const handler = handlers.get(timer.kind);
    try {
      if (!handler) throw new Error(`no handler for timer kind ${timer.kind}`);
      await handler(timer);
      if (consumed.has(timer) || timer.claimedUntil === null) return;
      // Only the claim we hold is removed: a handler that rescheduled the same timer keeps it.
      await deleteClaimedTimer.run(store.db, {
        kind: timer.kind,
        ref: timer.ref,
        claimedUntil: timer.claimedUntil,
      });
    } catch (error) {
      onError(error, timer);
      const backoff = Math.min(60_000, 1000 * 2 ** Math.min(timer.attempts, 6));
      await store.db
        .updateTable('timers')
        .set({ claimedUntil: null, due: Date.now() + backoff })
        .where('kind', '=', timer.kind)
        .where('ref', '=', timer.ref)
        .where('claimedUntil', '=', timer.claimedUntil)
        .execute()
        .catch(() => undefined);
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
      const due = await claim(Date.now());
      fired += due.length;
      for (const timer of due) {
        const p = fire(timer).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (due.length < BATCH) break;
    }
    return fired;
  }

  function arm(at: number): void {
    if (!running) return;
    const delay = Math.max(0, Math.min(at - Date.now(), POLL_MS));
    if (timeout && at >= nextWake) return;
    if (timeout) clearTimeout(timeout);
    nextWake = Date.now() + delay;
    timeout = setTimeout(() => {
      timeout = undefined;
      nextWake = Number.POSITIVE_INFINITY;
      void loop();
    }, delay);
    timeout.unref();
  }

  async function loop(): Promise<void> {
    if (ticking) {
      again = true;
      return;
    }
    ticking = (async () => {
      do {
        again = false;
        try {
          await tick();
        } catch (error) {
          if (running)
            onError(error, {
              kind: 'claim',
              ref: '',
              appId: '',
              due: 0,
              claimedUntil: null,
              payload: '{}',
              attempts: 0,
            });
        }
      } while (again && running);
    })();
    await ticking;
    ticking = undefined;
    if (!running) return;
    const next = await store.db
      .selectFrom('timers')
      .select((eb) => eb.fn.min('due').as('due'))
      .executeTakeFirst()
      .catch(() => undefined);
    arm(next?.due != null ? Number(next.due) : Date.now() + POLL_MS);
  }

  const onWake = (due: number) => arm(due);

  return {
    register(kind, handler) {
      handlers.set(kind, handler);
    },
    start() {
      if (running) return;
      running = true;
      wakeListeners.add(onWake);
      arm(Date.now());
    },
    async stop() {
      running = false;
      wakeListeners.delete(onWake);
      if (timeout) clearTimeout(timeout);
      timeout = undefined;
      if (ticking) await ticking.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
    async runDue() {
      const fired = await tick();
      await Promise.allSettled([...inFlight]);
      return fired;
    },
  };
}
