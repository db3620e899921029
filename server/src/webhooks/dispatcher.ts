import type { Agent } from 'undici';
import { envelope, type StoredEvent, type Trigger } from '../events/catalog.ts';
import { onPostgres, type Store, type Tx } from '../store/database.ts';
import { marks, rawQuery as query } from '../store/raw.ts';
import type { DeliveryRow, EventRow, WebhookRow } from '../store/schema.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { signingSecrets } from './registry.ts';
import { nextRetryDelay } from './retry.ts';
import { signDelivery } from './signing.ts';
import { type PostResult, postOnce } from './transport.ts';
import { inTransaction, type Log } from './tx.ts';

/**
 * The webhook dispatcher (spec 8.4, 8.5), in two halves:
 *
 * - **Fan-out** reads each app's outbox by event position after a per-app cursor, and in one
 *   transaction creates one delivery per matching webhook (body frozen) and moves the cursor. An event
 *   is therefore either still ahead of the cursor or has all its deliveries: a crash between the two
 *   is impossible, and nothing acknowledged is lost.
 * - **Pumps** send deliveries. One node at a time holds a webhook's lease (renewed while it works,
 *   short so a crashed node's work is taken over within seconds) and runs its pump: the head of each
 *   lane (one lane per chat) is attempted, up to `parallel` lanes at once, and a lane's next event is
 *   armed only when the one before it has succeeded or been given up. Retry times live in the delivery
 *   rows and the webhook's `nextDue`, so they survive any restart; each webhook has its own pump, so a
 *   dead endpoint only ever holds up itself.
 */
export interface DispatcherOptions {
  store: Store;
  agent: Agent;
  /** Seconds between attempts (spec 8.4). */
  schedule: readonly number[];
  timeoutMs: number;
  log: () => Log;
  nodeId: string;
  /** Lanes (chats) of one webhook attempted at once. */
  parallel?: number;
  leaseMs?: number;
  /** How often to look for due webhooks and unread outboxes (a local event wakes it sooner). */
  pollMs?: number;
  /** A webhook without a success for this long is disabled. */
  autoDisableMs?: number;
}

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

const FANOUT_BATCH = 200;
const INSERT_CHUNK = 50;
/** Attempt results recorded in one transaction at most. */
const FLUSH_MAX = 256;
/**
 * Lanes of one webhook with an attempt out or an answer waiting to be recorded, at most. Attempts out
 * are limited by `parallel`; an answered lane stays blocked until its result is committed (which arms
 * its next delivery) but no longer holds an attempt slot, so the store's latency does not limit how
 * fast a webhook's lanes move, and answers are recorded in large batches.
 */
const MAX_UNRECORDED = 128;
/** Lanes armed by one statement at most. */
const ARM_CHUNK = 256;
/** A pump that just had work waits this long for more before the queries of going idle. */
const LINGER_MS = 300;
/** A pump with nothing due sooner than this hands its lease back and leaves the wake-up to `nextDue`. */
const IDLE_KEEP_MS = 1500;
export const AUTO_DISABLE_MS = 5 * 86400 * 1000;

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    position: Number(row.position),
    id: row.id,
    appId: row.appId,
    trigger: row.trigger as Trigger,
    chatId: row.chatId,
    userId: row.userId,
    data: JSON.parse(row.data) as StoredEvent['data'],
    created: row.created,
  };
}

/**
 * Pads an IN list to a power-of-two length by repeating its last value (which changes nothing an IN
 * matches), so the statements built around it come in a few shapes the SQLite statement cache keeps.
 */
function padded<T>(values: T[]): T[] {
  if (values.length === 0) return values;
  let size = 1;
  while (size < values.length) size *= 2;
  const out = values.slice();
  while (out.length < size) out.push(values[values.length - 1]!);
  return out;
}

/** Splits rows to insert into chunks of power-of-two sizes (at most 64 rows), for the same reason. */
function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  while (at < rows.length) {
    let size = 64;
    while (size > rows.length - at) size /= 2;
    out.push(rows.slice(at, at + size));
    at += size;
  }
  return out;
}

/**
 * Arms the next delivery of each lane: the pending one with the lowest position, unless the lane has
 * one armed already. One statement for many lanes (of one or more webhooks; at most a few hundred).
 */
async function armLaneList(
  tx: Tx,
  lanes: ReadonlyArray<readonly [string, string]>,
  now: number,
): Promise<void> {
  if (lanes.length === 0) return;
  const list = padded([...lanes]);
  await query(
    tx,
    'update webhook_deliveries set next_attempt = ? where id in (' +
      ' select (select h.id from webhook_deliveries h' +
      "   where h.webhook_id = l.w and h.lane = l.lane and h.status = 'pending' order by h.position limit 1)" +
      ` from (${list.map(() => 'select cast(? as text) as w, cast(? as text) as lane').join(' union all ')}) l` +
      ' where not exists (select 1 from webhook_deliveries a' +
      "   where a.webhook_id = l.w and a.lane = l.lane and a.status = 'pending' and a.next_attempt is not null))",
    [now, ...list.flat()],
  );
}

/** Arms the next delivery of each of these lanes of a webhook (see `armLaneList`). */
export async function armLanes(
  tx: Tx,
  webhookId: string,
  lanes: readonly string[],
  now: number,
): Promise<void> {
  await armLaneList(
    tx,
    lanes.map((lane) => [webhookId, lane] as const),
    now,
  );
}

/** Arms every lane of a webhook that has pending deliveries but none armed (after recover, or a repair). */
export async function armIdleLanes(tx: Tx, webhookId: string, now: number): Promise<void> {
  const lanes = await query<{ lane: string; armed: number | string }>(
    tx,
    "select lane, count(next_attempt) as armed from webhook_deliveries where webhook_id = ? and status = 'pending' group by lane",
    [webhookId],
  );
  const idle = lanes.rows.filter((r) => Number(r.armed) === 0).map((r) => r.lane);
  for (let i = 0; i < idle.length; i += ARM_CHUNK)
    await armLanes(tx, webhookId, idle.slice(i, i + ARM_CHUNK), now);
}

/** Locks a webhook row until commit on PostgreSQL; lane bookkeeping of one webhook is serialised by it. */
async function lockHook(tx: Tx, id: string): Promise<WebhookRow | undefined> {
  const text = onPostgres(tx)
    ? 'select * from webhooks where id = ? for update'
    : 'select * from webhooks where id = ?';
  return (await query<WebhookRow>(tx, text, [id])).rows[0];
}

/** Locks webhook rows (in id order) until commit on PostgreSQL, for the bookkeeping of their lanes. */
async function lockHooks(tx: Tx, ids: readonly string[]): Promise<Map<string, WebhookRow>> {
  const list = padded([...ids].sort());
  const text = `select * from webhooks where id in (${marks(list.length)}) order by id${onPostgres(tx) ? ' for update' : ''}`;
  const rows = (await query<WebhookRow>(tx, text, list)).rows;
  return new Map(rows.map((r) => [r.id, r]));
}

/** A pump's results for the recorder, and where to send the outcome. */
interface RecordJob {
  webhookId: string;
  items: Completion[];
  resolve(outcome: RecordOutcome): void;
  reject(error: unknown): void;
}

interface RecordOutcome {
  /** The webhook row as locked by the recording transaction; absent when it was deleted. */
  hook?: WebhookRow;
  /** Disabled (410, five days), switched off or deleted: the pump stops. */
  stop: boolean;
}

/** What the pump reads of a due delivery: enough to send it and to record the answer. */
type DueDelivery = Pick<DeliveryRow, 'id' | 'appId' | 'eventId' | 'lane' | 'body' | 'attempts' | 'round'>;

/** One attempt's answer, waiting to be recorded. */
interface Completion {
  row: DueDelivery;
  result: PostResult;
}

interface Sleeper {
  sleep(ms: number): Promise<void>;
  wake(): void;
}

function sleeper(): Sleeper {
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

interface Pump {
  signal: Sleeper;
  done: Promise<void>;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, agent, schedule, timeoutMs, nodeId } = options;
  const parallel = options.parallel ?? 16;
  const leaseMs = options.leaseMs ?? 8000;
  const renewMs = Math.floor(leaseMs / 4);
  const pollMs = options.pollMs ?? 500;
  const autoDisableMs = options.autoDisableMs ?? AUTO_DISABLE_MS;
  const log = options.log;

  let running = false;
  const stopping = new AbortController();
  const pumps = new Map<string, Pump>();
  /** Per rate-limited webhook: the earliest time the next attempt may start (kept across pump runs). */
  const nextSlots = new Map<string, number>();
  const watched = new Set<string>();
  const dirtyApps = new Set<string>();
  let fanning: Promise<void> | undefined;
  let fanAgain = false;
  let scanning: Promise<void> | undefined;
  let scanAgain = false;
  let poller: NodeJS.Timeout | undefined;
  let polls = 0;

  // ---- fan-out: outbox → deliveries ---------------------------------------------------------------

  async function fanOutBatch(appId: string): Promise<{ more: boolean; touched: string[] }> {
    return inTransaction(store, async (tx) => {
      let cursorQuery = tx.selectFrom('webhookCursors').select('position').where('appId', '=', appId);
      if (onPostgres(tx)) cursorQuery = cursorQuery.forUpdate();
      const cursor = await cursorQuery.executeTakeFirst();
      if (!cursor) return { more: false, touched: [] };
      const from = Number(cursor.position);
      // Webhooks disabled by the server keep collecting deliveries (re-enabling resumes them in order);
      // one switched off by hand receives nothing meanwhile.
      const hooks = await tx
        .selectFrom('webhooks')
        .selectAll()
        .where('appId', '=', appId)
        .where((eb) => eb.or([eb('active', '=', 1), eb('disabledReason', 'is not', null)]))
        .orderBy('id')
        .execute();
      if (hooks.length === 0) {
        const app = await tx
          .selectFrom('apps')
          .select('eventPosition')
          .where('id', '=', appId)
          .executeTakeFirst();
        if (app && Number(app.eventPosition) > from) {
          await tx
            .updateTable('webhookCursors')
            .set({ position: Number(app.eventPosition) })
            .where('appId', '=', appId)
            .execute();
        }
        return { more: false, touched: [] };
      }
      const events = await tx
        .selectFrom('events')
        .selectAll()
        .where('appId', '=', appId)
        .where('position', '>', from)
        .orderBy('position')
        .limit(FANOUT_BATCH)
        .execute();
      if (events.length === 0) return { more: false, touched: [] };

      const subscribed = hooks.map((h) => ({ row: h, triggers: new Set(JSON.parse(h.events) as string[]) }));
      const now = Date.now();
      const created = nowSeconds();
      const planned: Array<Omit<DeliveryRow, 'attempts' | 'round'>> = [];
      for (const event of events) {
        // chats:assign is the synchronous call of spec 8.6, made at the jump itself; never delivered later.
        if (event.trigger === 'chats:assign') continue;
        const position = Number(event.position);
        let body: string | undefined;
        for (const hook of subscribed) {
          if (!hook.triggers.has(event.trigger) || position <= Number(hook.row.fromPosition)) continue;
          body ??= JSON.stringify(envelope(toStoredEvent(event)));
          planned.push({
            id: newId(),
            appId,
            webhookId: hook.row.id,
            eventId: event.id,
            position,
            trigger: event.trigger,
            chatId: event.chatId,
            lane: event.chatId ?? '',
            body,
            status: 'pending',
            nextAttempt: null,
            lastStatus: null,
            lastError: null,
            created,
            updated: created,
            delivered: null,
          });
        }
      }
      const touched = [...new Set(planned.map((p) => p.webhookId))].sort();
      if (planned.length > 0) {
        // Marks the webhooks due, and on PostgreSQL locks them: their lane bookkeeping waits for us.
        await tx
          .updateTable('webhooks')
          .set((eb) => ({ gen: eb('gen', '+', 1), nextDue: now }))
          .where('id', 'in', touched)
          .execute();
        const lanes = [...new Set(planned.map((p) => p.lane))];
        const busy = new Set<string>();
        for (let i = 0; i < lanes.length; i += 500) {
          const rows = await tx
            .selectFrom('webhookDeliveries')
            .select(['webhookId', 'lane'])
            .where('webhookId', 'in', touched)
            .where('status', '=', 'pending')
            .where('lane', 'in', lanes.slice(i, i + 500))
            .groupBy(['webhookId', 'lane'])
            .execute();
          for (const r of rows) busy.add(`${r.webhookId} ${r.lane}`);
        }
        // A lane with nothing pending starts at once; otherwise its new events wait their turn.
        for (const delivery of planned) {
          const key = `${delivery.webhookId} ${delivery.lane}`;
          if (!busy.has(key)) {
            delivery.nextAttempt = now;
            busy.add(key);
          }
        }
        for (let i = 0; i < planned.length; i += INSERT_CHUNK) {
          await tx
            .insertInto('webhookDeliveries')
            .values(planned.slice(i, i + INSERT_CHUNK))
            .onConflict((oc) => oc.columns(['webhookId', 'eventId']).doNothing())
            .execute();
        }
      }
      await tx
        .updateTable('webhookCursors')
        .set({ position: Number(events[events.length - 1]!.position) })
        .where('appId', '=', appId)
        .execute();
      return { more: events.length === FANOUT_BATCH, touched };
    });
  }

  function fanOut(): void {
    if (!running) return;
    if (fanning) {
      fanAgain = true;
      return;
    }
    fanning = (async () => {
      // Let the events of one commit (and of commits close together) arrive before reading.
      await new Promise((resolve) => setImmediate(resolve));
      do {
        fanAgain = false;
        const apps = [...dirtyApps];
        dirtyApps.clear();
        for (const appId of apps) {
          if (!running) return;
          try {
            for (;;) {
              const { more, touched } = await fanOutBatch(appId);
              for (const id of touched) wake(id);
              if (!more || !running) break;
            }
          } catch (error) {
            // The cursor did not move; the next poll tries again.
            if (running) log().error({ err: error, appId }, 'webhook fan-out failed');
          }
        }
      } while ((fanAgain || dirtyApps.size > 0) && running);
    })().finally(() => {
      fanning = undefined;
    });
  }

  function kickApp(appId: string): void {
    if (!watched.has(appId)) return;
    dirtyApps.add(appId);
    fanOut();
  }

  /** Apps whose outbox is ahead of their cursor (written by another node, or before a restart). */
  async function findBehind(): Promise<void> {
    const cursors = await store.db.selectFrom('webhookCursors').select('appId').execute();
    for (const c of cursors) watched.add(c.appId);
    const behind = await store.db
      .selectFrom('webhookCursors')
      .innerJoin('apps', 'apps.id', 'webhookCursors.appId')
      .select('webhookCursors.appId')
      .whereRef('apps.eventPosition', '>', 'webhookCursors.position')
      .execute();
    for (const { appId } of behind) dirtyApps.add(appId);
    if (dirtyApps.size > 0) fanOut();
  }

  /** Waits `ms`, or less if the dispatcher stops meanwhile. */
  function pauseFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done, { once: true });
    });
  }

  // ---- pumps: deliveries → attempts ---------------------------------------------------------------

  async function claim(id: string, now: number): Promise<boolean> {
    const result = await store.db
      .updateTable('webhooks')
      .set({ leaseOwner: nodeId, leaseUntil: now + leaseMs })
      .where('id', '=', id)
      .where('active', '=', 1)
      .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async function scanOnce(): Promise<void> {
    const now = Date.now();
    const due = await store.db
      .selectFrom('webhooks')
      .select('id')
      .where('active', '=', 1)
      .where('nextDue', '<=', now)
      .where((eb) => eb.or([eb('leaseUntil', 'is', null), eb('leaseUntil', '<', now)]))
      .orderBy('nextDue')
      .limit(200)
      .execute();
    for (const { id } of due) {
      if (!running) return;
      if (pumps.has(id)) continue;
      if (await claim(id, now)) startPump(id);
    }
  }

  function scan(): void {
    if (!running) return;
    if (scanning) {
      scanAgain = true;
      return;
    }
    scanning = (async () => {
      do {
        scanAgain = false;
        try {
          await scanOnce();
        } catch (error) {
          if (running) log().error({ err: error }, 'webhook scan failed');
        }
      } while (scanAgain && running);
    })().finally(() => {
      scanning = undefined;
    });
  }

  function wake(webhookId: string): void {
    const pump = pumps.get(webhookId);
    if (pump) pump.signal.wake();
    else scan();
  }

  function startPump(id: string): void {
    const signal = sleeper();
    const pump: Pump = { signal, done: Promise.resolve() };
    pumps.set(id, pump);
    pump.done = runPump(id, signal)
      .catch((error: unknown) => {
        if (running) log().error({ err: error, webhookId: id }, 'webhook pump failed');
      })
      .finally(() => {
        pumps.delete(id);
        // Work may have arrived while it was stopping.
        if (running) setTimeout(scan, 50).unref();
      });
  }

  async function loadHook(id: string): Promise<WebhookRow | undefined> {
    return (await query<WebhookRow>(store.db, 'select * from webhooks where id = ?', [id])).rows[0];
  }

  /** Due deliveries of a webhook, oldest due first, leaving out the lanes that have one out. */
  async function dueDeliveries(
    id: string,
    now: number,
    busy: ReadonlySet<string>,
    limit: number,
  ): Promise<DueDelivery[]> {
    const lanes = padded([...busy]);
    const text =
      'select id, app_id, event_id, lane, body, attempts, round from webhook_deliveries' +
      " where webhook_id = ? and status = 'pending' and next_attempt <= ?" +
      (lanes.length > 0 ? ` and lane not in (${marks(lanes.length)})` : '') +
      ' order by next_attempt limit ?';
    return (await query<DueDelivery>(store.db, text, [id, now, ...lanes, limit])).rows;
  }

  async function runPump(id: string, signal: Sleeper): Promise<void> {
    /**
     * Lanes with an attempt out, or its result not yet recorded: nothing else of theirs starts until
     * the result is committed (which also arms the lane's next delivery), so order holds and a delivery
     * is never sent twice by this node in normal operation.
     */
    const busyLanes = new Set<string>();
    /** Attempts out (at most `parallel`); `busyLanes` also holds lanes whose answer is being recorded. */
    const attempts = new Set<Promise<void>>();
    const completed: Completion[] = [];
    let flushing: Promise<void> | undefined;
    let held = true;
    let hook = await loadHook(id);
    let renewedAt = Date.now();
    let loadedAt = Date.now();
    let lastWork = Date.now();
    let pauseUntil = 0;
    let disabled = false;
    /** The pump went idle since `hook` was read: read it again before the next attempt. */
    let stale = false;

    // Results are recorded in batches: whatever came back while the previous batch was being written.
    const flushAll = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      while (completed.length > 0) {
        const batch = completed.splice(0, FLUSH_MAX);
        try {
          const outcome = await record(id, batch);
          if (outcome.hook) {
            hook = outcome.hook;
            loadedAt = Date.now();
          }
          if (outcome.stop) disabled = true;
        } catch (error) {
          // Still pending in the store: they are sent again (at least once), after a pause.
          if (running)
            log().error(
              { err: error, webhookId: id, count: batch.length },
              'recording webhook attempts failed',
            );
          pauseUntil = Date.now() + 1000;
        } finally {
          for (const c of batch) busyLanes.delete(c.row.lane);
          signal.wake();
        }
      }
    };
    const queueFlush = () => {
      flushing ??= flushAll().finally(() => {
        flushing = undefined;
        if (completed.length > 0) queueFlush();
      });
    };

    try {
      if (hook?.active !== 1) return;
      await inTransaction(store, async (tx) => {
        if (await lockHook(tx, id)) await armIdleLanes(tx, id, Date.now());
      });
      while (running) {
        const now = Date.now();
        if (now - renewedAt >= renewMs) {
          const renewed = await store.db
            .updateTable('webhooks')
            .set({ leaseUntil: now + leaseMs })
            .where('id', '=', id)
            .where('leaseOwner', '=', nodeId)
            .executeTakeFirst();
          renewedAt = now;
          if (Number(renewed.numUpdatedRows) === 0) {
            held = false; // taken over (we stalled past the lease): stop starting attempts
            break;
          }
        }
        if (disabled) break;
        if (now - loadedAt >= 1000) {
          hook = await loadHook(id);
          loadedAt = now;
        }
        if (hook?.active !== 1) break;
        if (now < pauseUntil) {
          await pauseFor(pauseUntil - now);
          continue;
        }
        let started = 0;
        // With a rateLimit, the time until the next attempt may start (waited for out here, so the
        // lease keeps being renewed however slow the rate).
        let rateWait = 0;
        const free = Math.min(parallel - attempts.size, MAX_UNRECORDED - busyLanes.size);
        if (free > 0) {
          const rows = await dueDeliveries(id, now, busyLanes, free + 4);
          if (stale && rows.length > 0) {
            // Back from idle: the webhook may have changed meanwhile (secrets, target, switched off).
            hook = await loadHook(id);
            loadedAt = Date.now();
            stale = false;
            if (hook?.active !== 1) break;
          }
          for (const row of rows) {
            if (!running || disabled || attempts.size >= parallel || busyLanes.size >= MAX_UNRECORDED) break;
            if (busyLanes.has(row.lane)) continue;
            if (hook.rateLimit) {
              const slot = nextSlots.get(id) ?? 0;
              const wait = slot - Date.now();
              if (wait > 0) {
                rateWait = wait;
                break;
              }
              nextSlots.set(id, Math.max(Date.now(), slot) + 1000 / hook.rateLimit);
            }
            const lane = row.lane;
            busyLanes.add(lane);
            const attempt: Promise<void> = attemptDelivery(hook, row)
              .then((result) => {
                if (result) {
                  completed.push({ row, result });
                  queueFlush();
                } else {
                  busyLanes.delete(lane); // cut short by shutdown: stays pending
                }
              })
              .catch((error: unknown) => {
                busyLanes.delete(lane);
                if (running)
                  log().error({ err: error, webhookId: id, deliveryId: row.id }, 'webhook attempt failed');
              })
              .finally(() => {
                attempts.delete(attempt);
                signal.wake();
              });
            attempts.add(attempt);
            started++;
          }
        }
        if (started > 0 || busyLanes.size > 0) lastWork = Date.now();
        if (rateWait > 0) {
          await pauseFor(Math.min(1000, rateWait));
          continue;
        }
        if (started > 0 || busyLanes.size > 0) {
          await signal.sleep(1000);
          // Let the other answers of this turn of the event loop come in: one query starts them all.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        // Nothing out, nothing due. A webhook that was just busy usually gets more in a moment (events
        // of this node wake it at once): linger a little before the queries of going idle.
        const quiet = Date.now() - lastWork;
        stale = true;
        if (quiet < LINGER_MS) {
          await signal.sleep(LINGER_MS - quiet);
          continue;
        }
        const state = (
          await query<{ gen: number; next: number | null }>(
            store.db,
            "select gen, (select min(next_attempt) from webhook_deliveries where webhook_id = ? and status = 'pending') as next from webhooks where id = ?",
            [id, id],
          )
        ).rows[0];
        if (!state) break;
        const next = state.next == null ? null : Number(state.next);
        if (next !== null && next - Date.now() <= IDLE_KEEP_MS) {
          await signal.sleep(Math.max(0, Math.min(1000, next - Date.now())));
          continue;
        }
        // Hand the lease back, unless deliveries became due meanwhile (gen moved): then go on.
        const released = await store.db
          .updateTable('webhooks')
          .set({ leaseOwner: null, leaseUntil: null, nextDue: next })
          .where('id', '=', id)
          .where('leaseOwner', '=', nodeId)
          .where('gen', '=', Number(state.gen))
          .executeTakeFirst();
        if (Number(released.numUpdatedRows) === 1) {
          held = false;
          return;
        }
        lastWork = Date.now();
      }
    } finally {
      await Promise.allSettled([...attempts]);
      while (flushing) await flushing;
      if (held) {
        // Stopping, disabled or deleted: leave it due, so whoever runs next looks at it at once.
        await store.db
          .updateTable('webhooks')
          .set({ leaseOwner: null, leaseUntil: null, nextDue: Date.now() })
          .where('id', '=', id)
          .where('leaseOwner', '=', nodeId)
          .execute()
          .catch(() => undefined);
      }
    }
  }

  /** Attempts one delivery; undefined when cut short by shutdown (not an answer to judge). */
  async function attemptDelivery(hook: WebhookRow, row: DueDelivery): Promise<PostResult | undefined> {
    const body = Buffer.from(row.body, 'utf8');
    const headers = signDelivery(signingSecrets(hook), row.eventId, nowSeconds(), body);
    const result = await postOnce(agent, hook.target, body, headers, timeoutMs, stopping.signal);
    // It stays pending and is sent again after restart.
    if (stopping.signal.aborted) return undefined;
    return result;
  }

  function errorText(result: PostResult): string | null {
    if (result.error) return result.error;
    const status = result.status!;
    if (status >= 200 && status <= 299) return null;
    if (status >= 300 && status <= 399) {
      const location = result.headers.location;
      return `answered ${status}: redirects are not followed${location ? ` (Location: ${location})` : ''}`;
    }
    return `answered ${status}`;
  }

  // ---- recording: attempt results → delivery state, in batches ------------------------------------

  /** Pumps' results waiting for the next recording transaction. */
  const recordQueue: RecordJob[] = [];
  let recording = false;

  /**
   * Records attempt results of a webhook. Results of every pump that arrive while one transaction runs
   * are written together by the next one: one commit for many deliveries, however many webhooks.
   */
  function record(webhookId: string, items: Completion[]): Promise<RecordOutcome> {
    return new Promise<RecordOutcome>((resolve, reject) => {
      recordQueue.push({ webhookId, items, resolve, reject });
      if (!recording) void runRecorder();
    });
  }

  async function runRecorder(): Promise<void> {
    recording = true;
    try {
      // Let the answers that arrived in the same turn of the event loop join the first batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (recordQueue.length > 0) {
        const jobs: RecordJob[] = [];
        let count = 0;
        while (recordQueue.length > 0 && count < FLUSH_MAX) {
          const job = recordQueue.shift()!;
          jobs.push(job);
          count += job.items.length;
        }
        try {
          const outcomes = await recordAttempts(jobs);
          for (const job of jobs) job.resolve(outcomes.get(job.webhookId)!);
        } catch (error) {
          for (const job of jobs) job.reject(error);
        }
      }
    } finally {
      recording = false;
    }
  }

  /**
   * Records attempts of one or more webhooks in one transaction, under the webhooks' row locks (taken
   * in id order): each delivery's new state (guarded by its attempt count, so a result from a node
   * that lost the lease cannot overwrite a newer one), one attempt row each, the next delivery armed
   * in each lane whose head finished, and each webhook's failure clock (410 and five days of failures
   * disable it). Returns per webhook its row as locked (fresh secrets and state for its pump) and
   * whether its pump should stop.
   */
  async function recordAttempts(jobs: readonly RecordJob[]): Promise<Map<string, RecordOutcome>> {
    const byHook = new Map<string, Completion[]>();
    for (const job of jobs) {
      const list = byHook.get(job.webhookId);
      if (list) list.push(...job.items);
      else byHook.set(job.webhookId, [...job.items]);
    }
    return inTransaction(store, async (tx) => {
      const hooks = await lockHooks(tx, [...byHook.keys()]);
      const outcomes = new Map<string, RecordOutcome>();
      const now = Date.now();
      const nowS = Math.floor(now / 1000);
      /** Successes sharing every value written, updated together. */
      const groups = new Map<string, { values: unknown[]; before: number; ids: string[] }>();
      const changed = new Set<string>();
      const finished = new Set<string>();
      const errors = new Map<string, string | null>();
      const hookUpdates: Array<() => Promise<void>> = [];
      const items: Array<{ webhookId: string; row: DueDelivery; result: PostResult }> = [];
      for (const [webhookId, completions] of byHook) {
        const hook = hooks.get(webhookId);
        if (!hook) {
          outcomes.set(webhookId, { stop: true }); // deleted meanwhile: its deliveries went with it
          continue;
        }
        let failingSince = hook.failingSince;
        let disable: string | undefined;
        for (const { row, result } of completions) {
          items.push({ webhookId, row, result });
          const ok = result.status !== null && result.status >= 200 && result.status <= 299;
          const error = errorText(result);
          errors.set(row.id, error);
          const round = row.round + 1;
          if (ok) {
            failingSince = null;
            finished.add(row.id);
            const key = JSON.stringify([row.attempts, round, result.status, error]);
            let group = groups.get(key);
            if (!group) {
              group = {
                values: [row.attempts + 1, round, result.status, error, nowS, nowS],
                before: row.attempts,
                ids: [],
              };
              groups.set(key, group);
            }
            group.ids.push(row.id);
            continue;
          }
          let nextAttempt: number | null = null;
          const delay = nextRetryDelay(schedule, round, result.status, result.headers['retry-after']);
          if (delay === undefined) finished.add(row.id);
          else nextAttempt = now + delay;
          if (result.status === 410) disable ??= 'The target answered 410 Gone';
          const since = failingSince ?? nowS;
          failingSince = since;
          if (!disable && (nowS - since) * 1000 >= autoDisableMs) {
            disable = `No delivery succeeded for ${Math.round(autoDisableMs / 86400000)} days (failing since ${new Date(since * 1000).toISOString()})`;
          }
          const updated = await query<{ id: string }>(
            tx,
            'update webhook_deliveries set status = ?, attempts = ?, round = ?, next_attempt = ?, last_status = ?, last_error = ?, updated = ?' +
              " where id = ? and status = 'pending' and attempts = ? returning id",
            [
              nextAttempt === null ? 'failed' : 'pending',
              row.attempts + 1,
              round,
              nextAttempt,
              result.status,
              error,
              nowS,
              row.id,
              row.attempts,
            ],
          );
          for (const r of updated.rows) changed.add(r.id);
        }
        const disabling = disable !== undefined && hook.active === 1;
        if (failingSince !== hook.failingSince || disabling) {
          hookUpdates.push(async () => {
            await tx
              .updateTable('webhooks')
              .set({ failingSince, ...(disabling ? { active: 0, disabledReason: disable } : {}) })
              .where('id', '=', webhookId)
              .execute();
          });
          if (disabling) log().warn({ webhookId, reason: disable }, 'webhook disabled');
        }
        outcomes.set(webhookId, {
          hook: { ...hook, failingSince, ...(disabling ? { active: 0, disabledReason: disable! } : {}) },
          stop: disable !== undefined || hook.active !== 1,
        });
      }
      for (const group of groups.values()) {
        const ids = padded(group.ids);
        const updated = await query<{ id: string }>(
          tx,
          "update webhook_deliveries set status = 'delivered', attempts = ?, round = ?, next_attempt = null, last_status = ?, last_error = ?, updated = ?, delivered = ?" +
            ` where id in (${marks(ids.length)}) and status = 'pending' and attempts = ? returning id`,
          [...group.values, ...ids, group.before],
        );
        for (const r of updated.rows) changed.add(r.id);
      }
      // A result that changed nothing (another node got there first) is still logged, if its delivery is there.
      const unchanged = items.filter((c) => !changed.has(c.row.id)).map((c) => c.row.id);
      const present = new Set(changed);
      if (unchanged.length > 0) {
        const ids = padded(unchanged);
        const found = await query<{ id: string }>(
          tx,
          `select id from webhook_deliveries where id in (${marks(ids.length)})`,
          ids,
        );
        for (const r of found.rows) present.add(r.id);
      }
      for (const chunk of chunks(items.filter((c) => present.has(c.row.id)))) {
        const values: unknown[] = [];
        for (const { webhookId, row, result } of chunk) {
          values.push(
            newId(),
            row.id,
            webhookId,
            row.appId,
            nowS,
            result.status,
            result.duration,
            result.response,
            errors.get(row.id) ?? null,
          );
        }
        await query(
          tx,
          'insert into webhook_attempts (id, delivery_id, webhook_id, app_id, created, status, duration, response, error) values ' +
            Array.from({ length: chunk.length }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
          values,
        );
      }
      // The lanes whose head is done: arm their next delivery (unless one is armed already).
      const done = new Map<string, readonly [string, string]>();
      for (const c of items) {
        if (finished.has(c.row.id) && changed.has(c.row.id))
          done.set(`${c.webhookId} ${c.row.lane}`, [c.webhookId, c.row.lane]);
      }
      const lanes = [...done.values()];
      for (let i = 0; i < lanes.length; i += ARM_CHUNK)
        await armLaneList(tx, lanes.slice(i, i + ARM_CHUNK), now);
      for (const update of hookUpdates) await update();
      return outcomes;
    });
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  return {
    start() {
      if (running) return;
      running = true;
      const tick = () => {
        polls++;
        scan();
        // The outbox check is a join over apps with webhooks: every other tick is plenty.
        if (polls % 2 === 1)
          findBehind().catch((error: unknown) => log().error({ err: error }, 'webhook poll failed'));
      };
      poller = setInterval(tick, pollMs);
      poller.unref();
      tick();
    },
    async stop() {
      if (!running) return;
      running = false;
      if (poller) clearInterval(poller);
      stopping.abort(new Error('the server is shutting down'));
      for (const pump of pumps.values()) pump.signal.wake();
      await Promise.allSettled([...pumps.values()].map((p) => p.done));
      await Promise.allSettled([fanning, scanning]);
    },
    kickApp,
    wake,
    watchApp(appId) {
      watched.add(appId);
    },
  };
}
