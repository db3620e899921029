import { observeOutboxLag } from '../meters/meters.ts';
import type { Store, Tx } from '../store/database.ts';
import { rawRows } from '../store/raw.ts';
import type { Bus } from './bus.ts';
import { isTrigger, type StoredEvent } from './catalog.ts';

/**
 * PostgreSQL: hands out the per-app event positions after commit (docs/scale-out.md, "Event order on
 * PostgreSQL"). Writers insert their events unpositioned (outbox.ts) and never touch the app row; a
 * pass numbers the committed rows it sees per app from `apps.event_position`, in the order they were
 * inserted (`seq`). Passes are serial and a row is numbered only once it is committed, so a row that
 * commits later always gets a later position: a reader that has read up to the head has read
 * everything before it, whatever order the writers committed in. Positions and the head commit
 * together; a rolled-back row is never seen, so no gap; what a pass numbers is published after it
 * commits.
 *
 * One pass at a time across all nodes (a transaction-scoped advisory lock per schema); every node runs
 * a loop so positions never wait for a particular node: woken by each local commit that wrote events,
 * again when another node held the lock (its publish wakes us; 25 ms at the latest) or a local change
 * still waits for its positions, and at least every idle period (rows of a node that died between its
 * commit and its pass).
 */

/** The node's loop around `pass` (a timers/lease.ts poller, built by the composition root). */
export interface SequencerLoop {
  start(): void;
  /** A pass now (or right after the running one); with `at`, no later than then. */
  wake(at?: number): void;
  stop(): Promise<void>;
}

export interface SequencerOptions {
  store: Store;
  bus: Bus;
  /** Builds the loop that runs `pass` (passes never overlap); its idle period catches orphaned rows. */
  loop(pass: () => Promise<number | undefined>): SequencerLoop;
  /** Rows per pass (default 1000). */
  batch?: number;
  /** How long a change's response waits for its events' positions at most (default 2000 ms). */
  waitMs?: number;
}

export interface Sequencer {
  /** One pass; answers when the next should run (ms since the epoch), undefined when idle. */
  pass(): Promise<number | undefined>;
  /**
   * After a commit that wrote these events: resolves once they are positioned and published (by
   * this node's pass or another's), or after `waitMs` — they are committed and will be positioned
   * by a later pass; the wait only gives the caller read-your-writes in the event log.
   */
  positioned(ids: readonly string[], committedAt?: number): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Another node's pass holds the lock: its publish wakes us (see `start`); try again this late at the
 * latest (a lost or late publish). Retrying sooner only makes every node hammer the lock.
 */
const LOCK_BUSY_MS = 25;
/** A local change waits for positions another node's pass may be handing out: look again this soon (ms). */
const WAITING_MS = 5;

// Two-key advisory lock: a constant class ('SBSQ') and the schema, so test schemas sharing one
// database do not queue behind each other. Taken in its own statement: the numbering statement's
// snapshot must be taken after the lock, i.e. after the previous pass committed.
const TRY_LOCK = `select pg_try_advisory_xact_lock(1396855633, hashtext(current_schema())) as got`;

// One statement: number a batch of committed rows per app, advance the apps' heads, write the
// realtime audience, and answer what it placed and which of the waited-for events other passes placed.
//
// Order: by `seq`, taken at insert while the writer holds its row locks, so two changes of one chat
// (serialised by the chat's row lock) keep their order. No xmin horizon is needed: a row invisible to
// this pass (its transaction still open) is numbered by a later pass, after everything numbered now.
// Ordering by `xid` would invert two changes of one chat: a transaction may be given its id just
// before the one that then wins the chat's row lock, and commits after it. `xid` only widens the
// batch to whole transactions, so one change's events stay consecutive.
const NUMBER_BATCH = `
with first as (
  select e.xid from events e
  where e.position is null
  order by e.seq
  limit ?
), batch as (
  select e.seq, e.app_id, e.audience, row_number() over (partition by e.app_id order by e.seq) as ord
  from events e
  where e.position is null and e.xid in (select xid from first)
), counts as (
  select app_id, count(*) as n from batch group by app_id
), heads as (
  update apps a set event_position = a.event_position + c.n
  from counts c where a.id = c.app_id
  returning a.id, a.event_position - c.n as base
), placed as (
  update events e set position = h.base + b.ord, audience = null
  from batch b join heads h on h.id = b.app_id
  where e.seq = b.seq
  returning e.seq, e.id, e.app_id, e.position, e.trigger, e.chat_id, e.user_id, e.data, e.created,
    b.audience
), heard as (
  insert into realtime_audience (app_id, key, position, created)
  select p.app_id, k.key, p.position, p.created from placed p cross join unnest(p.audience) as k(key)
)
select 'placed' as kind, seq, id, app_id, position, trigger, chat_id, user_id, data, created, audience
from placed
union all
select 'seen', null, id, null, null, null, null, null, null, null, null
from events where id = any(?::text[]) and position is not null`;

const SEEN = `select id from events where id = any(?::text[]) and position is not null`;

type NumberedRow = {
  kind: 'placed' | 'seen';
  seq: number | null;
  id: string | null;
  app_id: string | null;
  position: number | null;
  trigger: string | null;
  chat_id: string | null;
  user_id: string | null;
  data: string | null;
  created: number | null;
  audience: string[] | null;
};

function storedEvent(row: NumberedRow): StoredEvent {
  const trigger = row.trigger ?? '';
  if (!isTrigger(trigger))
    throw new Error(`Stored event trigger ${trigger.slice(0, 40)} is not in the catalog`);
  return {
    seq: row.seq!,
    position: row.position!,
    id: row.id!,
    appId: row.app_id!,
    trigger,
    chatId: row.chat_id,
    userId: row.user_id,
    // Written by this server's outbox (JSON.stringify of the emitted data) moments ago.
    data: JSON.parse(row.data!) as StoredEvent['data'],
    created: row.created!,
    audience: row.audience ?? [],
  };
}

export interface PassResult {
  /** False: another pass held the lock; nothing was numbered. */
  locked: boolean;
  /** The events this pass positioned, by app and position (already published). */
  placed: StoredEvent[];
  /** Of the ids asked about, those positioned (by this pass or an earlier one). */
  seen: Set<string>;
}

/**
 * One numbering transaction on `store` (PostgreSQL), asking also about `waiting` ids. Publishes what
 * it positioned on `bus` after COMMIT, in position order; `onPositioned` hears them just before (the
 * outbox lag's positioned stage). Exported for tests that drive passes.
 */
export async function numberOnce(
  store: Store,
  bus: Bus,
  waiting: readonly string[] = [],
  batch = 1000,
  onPositioned?: (placed: readonly StoredEvent[]) => void,
): Promise<PassResult> {
  const result = await store.transaction(async (tx: Tx) => {
    const [lock] = await rawRows<{ got: boolean }>(tx, TRY_LOCK, []);
    if (!lock?.got) {
      const seen = waiting.length > 0 ? await rawRows<{ id: string }>(tx, SEEN, [waiting]) : [];
      return { locked: false, placed: [], seen: new Set(seen.map((r) => r.id)) };
    }
    const rows = await rawRows<NumberedRow>(tx, NUMBER_BATCH, [batch, waiting]);
    const placed: StoredEvent[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      if (row.kind === 'placed') placed.push(storedEvent(row));
      else seen.add(row.id!);
    }
    return { locked: true, placed, seen };
  });
  if (result.placed.length === 0) return result;
  // Positions committed, not yet published (a local bus hears them synchronously in publish).
  onPositioned?.(result.placed);
  result.placed.sort((a, b) => (a.appId === b.appId ? a.position - b.position : a.appId < b.appId ? -1 : 1));
  for (const event of result.placed) result.seen.add(event.id);
  bus.publish(result.placed);
  return result;
}

const sequencers = new WeakMap<Store, Sequencer>();

/** The sequencer running on `store`, if this process started one (commitChange waits on it). */
export function sequencerOf(store: Store): Sequencer | undefined {
  return sequencers.get(store);
}

export function createSequencer(options: SequencerOptions): Sequencer {
  const { store, bus } = options;
  const batch = options.batch ?? 1000;
  const waitMs = options.waitMs ?? 2000;
  /** Event id → the waiter it belongs to (one waiter per committed change). */
  const waiters = new Map<string, { left: number; done: () => void; committedAt?: number | undefined }>();
  let stopped = true;

  function resolve(ids: Iterable<string>): void {
    for (const id of ids) {
      const waiter = waiters.get(id);
      if (!waiter) continue;
      waiters.delete(id);
      if (--waiter.left === 0) waiter.done();
    }
  }

  /** The changes waiting here whose events this pass positioned: commit → positioned, once each. */
  function measure(placed: readonly StoredEvent[], positionedAt: number): void {
    const measured = new Set<object>();
    for (const event of placed) {
      const waiter = waiters.get(event.id);
      if (waiter?.committedAt === undefined || measured.has(waiter)) continue;
      measured.add(waiter);
      observeOutboxLag('positioned', waiter.committedAt, positionedAt);
    }
  }

  async function pass(): Promise<number | undefined> {
    const result = await numberOnce(store, bus, [...waiters.keys()], batch, (placed) =>
      measure(placed, performance.now()),
    );
    resolve(result.seen);
    const now = Date.now();
    if (!result.locked) return now + LOCK_BUSY_MS;
    if (result.placed.length >= batch) return now;
    if (waiters.size > 0) return now + WAITING_MS;
    return undefined;
  }

  const loop = options.loop(pass);
  let unsubscribe: (() => void) | undefined;
  const sequencer: Sequencer = {
    pass,
    positioned(ids, committedAt) {
      if (stopped || ids.length === 0) return Promise.resolve();
      return new Promise<void>((done) => {
        const timer = setTimeout(finish, waitMs);
        timer.unref();
        const waiter = { left: ids.length, done: finish, committedAt };
        function finish() {
          clearTimeout(timer);
          for (const id of ids) if (waiters.get(id) === waiter) waiters.delete(id);
          done();
        }
        for (const id of ids) waiters.set(id, waiter);
        loop.wake();
      });
    },
    start() {
      if (!stopped) return;
      stopped = false;
      sequencers.set(store, sequencer);
      // Another node's pass may number our events: its publish tells us at once (a pass of ours,
      // which also asks about the waited-for ids, covers a lost or late message).
      // When that publish leaves some of ours unnumbered (they committed after its pass began), the
      // lock is free again: pass at once, once per burst of heard events.
      let checking = false;
      unsubscribe = bus.subscribe(
        (event) => {
          resolve([event.id]);
          if (checking || waiters.size === 0) return;
          checking = true;
          queueMicrotask(() => {
            checking = false;
            if (waiters.size > 0 && !stopped) loop.wake();
          });
        },
        { remote: true },
      );
      loop.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      sequencers.delete(store);
      unsubscribe?.();
      await loop.stop();
      // Whatever is still unpositioned is committed: the next pass of any node positions it.
      const left = new Set(waiters.values());
      waiters.clear();
      for (const waiter of left) waiter.done();
    },
  };
  return sequencer;
}
