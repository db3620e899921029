import type { Agent } from 'undici';
import { envelope, type StoredEvent, type Trigger } from '../events/catalog.ts';
import { onPostgres, type Store, type Tx } from '../store/database.ts';
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

/** Arms the next delivery of a lane: the pending one with the lowest position, unless one is armed. */
export async function armLane(tx: Tx, webhookId: string, lane: string, now: number): Promise<void> {
  const armed = await tx
    .selectFrom('webhookDeliveries')
    .select('id')
    .where('webhookId', '=', webhookId)
    .where('lane', '=', lane)
    .where('status', '=', 'pending')
    .where('nextAttempt', 'is not', null)
    .executeTakeFirst();
  if (armed) return;
  const head = await tx
    .selectFrom('webhookDeliveries')
    .select('id')
    .where('webhookId', '=', webhookId)
    .where('lane', '=', lane)
    .where('status', '=', 'pending')
    .orderBy('position')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (head)
    await tx.updateTable('webhookDeliveries').set({ nextAttempt: now }).where('id', '=', head.id).execute();
}

/** Arms every lane of a webhook that has pending deliveries but none armed (after recover, or a repair). */
export async function armIdleLanes(tx: Tx, webhookId: string, now: number): Promise<void> {
  const lanes = await tx
    .selectFrom('webhookDeliveries')
    .select(['lane', (eb) => eb.fn.count<number>('nextAttempt').as('armed')])
    .where('webhookId', '=', webhookId)
    .where('status', '=', 'pending')
    .groupBy('lane')
    .execute();
  for (const { lane, armed } of lanes) if (Number(armed) === 0) await armLane(tx, webhookId, lane, now);
}

/** Locks a webhook row until commit on PostgreSQL; lane bookkeeping of one webhook is serialised by it. */
async function lockHook(tx: Tx, id: string): Promise<WebhookRow | undefined> {
  let query = tx.selectFrom('webhooks').selectAll().where('id', '=', id);
  if (onPostgres(tx)) query = query.forUpdate();
  return query.executeTakeFirst();
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
    return store.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function runPump(id: string, signal: Sleeper): Promise<void> {
    const inFlight = new Map<string, Promise<void>>();
    let held = true;
    let hook = await loadHook(id);
    let renewedAt = Date.now();
    let loadedAt = Date.now();
    let disabled = false;
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
          if (hook?.active !== 1) break;
        }
        let started = 0;
        // With a rateLimit, the time until the next attempt may start (waited for out here, so the
        // lease keeps being renewed however slow the rate).
        let rateWait = 0;
        const free = parallel - inFlight.size;
        if (free > 0) {
          let query = store.db
            .selectFrom('webhookDeliveries')
            .selectAll()
            .where('webhookId', '=', id)
            .where('status', '=', 'pending')
            .where('nextAttempt', '<=', now);
          if (inFlight.size > 0) query = query.where('lane', 'not in', [...inFlight.keys()]);
          const rows = await query
            .orderBy('nextAttempt')
            .orderBy('position')
            .limit(free * 2)
            .execute();
          for (const row of rows) {
            if (!running || disabled || inFlight.size >= parallel) break;
            if (inFlight.has(row.lane)) continue;
            if (hook.rateLimit) {
              const slot = nextSlots.get(id) ?? 0;
              const wait = slot - Date.now();
              if (wait > 0) {
                rateWait = wait;
                break;
              }
              nextSlots.set(id, Math.max(Date.now(), slot) + 1000 / hook.rateLimit);
            }
            const current = hook;
            const lane = row.lane;
            const attempt = attemptDelivery(current, row)
              .then((disabledNow) => {
                if (disabledNow) disabled = true;
              })
              .catch((error: unknown) => {
                if (running)
                  log().error({ err: error, webhookId: id, deliveryId: row.id }, 'webhook attempt failed');
              })
              .finally(() => {
                inFlight.delete(lane);
                signal.wake();
              });
            inFlight.set(lane, attempt);
            started++;
          }
        }
        if (rateWait > 0) {
          await pauseFor(Math.min(1000, rateWait));
          continue;
        }
        if (started > 0 || inFlight.size > 0) {
          await signal.sleep(1000);
          continue;
        }
        // Nothing in flight, nothing due: keep going if something is due very soon, else go idle.
        const { gen } = await store.db
          .selectFrom('webhooks')
          .select('gen')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        const soonest = await store.db
          .selectFrom('webhookDeliveries')
          .select((eb) => eb.fn.min('nextAttempt').as('next'))
          .where('webhookId', '=', id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        const next = soonest?.next == null ? null : Number(soonest.next);
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
          .where('gen', '=', gen)
          .executeTakeFirst();
        if (Number(released.numUpdatedRows) === 1) {
          held = false;
          return;
        }
      }
    } finally {
      await Promise.allSettled(inFlight.values());
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

  /** Attempts one delivery and records it; true when the answer disabled the webhook. */
  async function attemptDelivery(hook: WebhookRow, row: DeliveryRow): Promise<boolean> {
    const body = Buffer.from(row.body, 'utf8');
    const headers = signDelivery(signingSecrets(hook), row.eventId, nowSeconds(), body);
    const result = await postOnce(agent, hook.target, body, headers, timeoutMs, stopping.signal);
    // Cut short by shutdown: not an answer to judge. It stays pending and is sent again after restart.
    if (stopping.signal.aborted) return false;
    return recordAttempt(hook.id, row, result);
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

  async function recordAttempt(webhookId: string, row: DeliveryRow, result: PostResult): Promise<boolean> {
    const ok = result.status !== null && result.status >= 200 && result.status <= 299;
    const error = errorText(result);
    return inTransaction(store, async (tx) => {
      const hook = await lockHook(tx, webhookId);
      if (!hook) return true; // deleted meanwhile
      const now = Date.now();
      const nowS = Math.floor(now / 1000);
      const round = row.round + 1;
      let finished = ok;
      let nextAttempt: number | null = null;
      let disable: string | undefined;
      if (!ok) {
        const delay = nextRetryDelay(schedule, round, result.status, result.headers['retry-after']);
        if (delay === undefined) finished = true;
        else nextAttempt = now + delay;
        if (result.status === 410) disable = 'The target answered 410 Gone';
        const failingSince = hook.failingSince ?? nowS;
        if (!disable && (nowS - failingSince) * 1000 >= autoDisableMs) {
          disable = `No delivery succeeded for ${Math.round(autoDisableMs / 86400000)} days (failing since ${new Date(failingSince * 1000).toISOString()})`;
        }
      }
      const updated = await tx
        .updateTable('webhookDeliveries')
        .set({
          status: ok ? 'delivered' : finished ? 'failed' : 'pending',
          attempts: row.attempts + 1,
          round,
          nextAttempt,
          lastStatus: result.status,
          lastError: error,
          updated: nowS,
          ...(ok ? { delivered: nowS } : {}),
        })
        .where('id', '=', row.id)
        .where('status', '=', 'pending')
        .where('attempts', '=', row.attempts)
        .executeTakeFirst();
      const changed = Number(updated.numUpdatedRows) === 1;
      const exists =
        changed ||
        (await tx
          .selectFrom('webhookDeliveries')
          .select('id')
          .where('id', '=', row.id)
          .executeTakeFirst()) !== undefined;
      if (exists) {
        await tx
          .insertInto('webhookAttempts')
          .values({
            id: newId(),
            deliveryId: row.id,
            webhookId,
            appId: row.appId,
            created: nowS,
            status: result.status,
            duration: result.duration,
            response: result.response,
            error,
          })
          .execute();
      }
      if (changed && finished) await armLane(tx, webhookId, row.lane, now);
      if (ok) {
        if (hook.failingSince !== null) {
          await tx.updateTable('webhooks').set({ failingSince: null }).where('id', '=', webhookId).execute();
        }
      } else {
        await tx
          .updateTable('webhooks')
          .set({
            failingSince: hook.failingSince ?? nowS,
            ...(disable && hook.active === 1 ? { active: 0, disabledReason: disable } : {}),
          })
          .where('id', '=', webhookId)
          .execute();
        if (disable && hook.active === 1) {
          log().warn({ webhookId, reason: disable }, 'webhook disabled');
        }
      }
      return disable !== undefined || hook.active !== 1;
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
