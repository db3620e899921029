import { Worker } from 'node:worker_threads';
import type { Config } from '../../config/config.ts';
import type { MeterSnapshot } from '../../meters/meters.ts';
import type { Store } from '../../store/database.ts';
import { unavailable } from '../../util/errors.ts';
import type { Dispatcher } from '../delivery/dispatcher.ts';
import { type Webhooks, webhookParts } from '../service.ts';
import type { Log } from '../tx.ts';
import {
  type FromWorker,
  revivedError,
  type ThreadData,
  type ToWorker,
  type WriteCalls,
  type WriteMethod,
} from './messages.ts';

/** How long after an unexpected exit the worker thread is started again. */
const RESPAWN_MS = 1000;
/** How long shutdown waits for the worker thread to drain before terminating it. */
const STOP_TIMEOUT_MS = 15_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Webhooks of an embedded `all` node with delivery on a worker thread (thread/entry.ts), so the
 * request thread keeps one core and deliveries get the other. The request thread keeps the reads —
 * the registry and delivery-log routes read `webhooks.sqlite` through its own attached connection,
 * which never waits in WAL mode — and the synchronous `chats:assign` call (routing makes it inline).
 * Every write to the delivery file (register, update, delete, rotate, retry, recover, prune, the
 * assign calls' log) is a message to the worker, its one writer: so no write of either thread ever
 * waits for the other's lock, and no request-thread transaction can find its snapshot stale.
 */
export function createThreadedWebhooks(options: { store: Store; config: Config; dataDir: string }): Webhooks {
  const { store, config, dataDir } = options;
  let log: Log | undefined;
  let worker: Worker | undefined;
  let stopped = false;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  /** Apps with events since the last kick: one message per turn of the event loop. */
  const kicked = new Set<string>();
  let kickScheduled = false;
  let unsubscribe: (() => void) | undefined;

  const post = (message: ToWorker) => worker?.postMessage(message);

  function spawn(): void {
    const data: ThreadData = { config, dataDir };
    const thread = new Worker(new URL('./entry.ts', import.meta.url), {
      workerData: data,
      name: 'sb-webhooks',
    });
    worker = thread;
    thread.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'result':
          pending.get(message.id)?.resolve(message.value);
          pending.delete(message.id);
          return;
        case 'failure':
          pending.get(message.id)?.reject(revivedError(message.error));
          pending.delete(message.id);
          return;
        case 'log':
          log?.[message.level](message.object, message.message);
          return;
        case 'stopped':
          return;
      }
    });
    thread.on('error', (error) => log?.error({ err: error }, 'the webhook worker thread failed'));
    thread.on('exit', (code) => {
      if (worker === thread) worker = undefined;
      for (const call of pending.values())
        call.reject(unavailable('Webhook delivery is restarting', { 'retry-after': '1' }));
      pending.clear();
      if (stopped) return;
      // Deliveries are rows: a new thread takes them over once the old one's leases run out.
      log?.error({ code }, 'the webhook worker thread exited; starting it again');
      setTimeout(() => {
        if (!stopped) spawn();
      }, RESPAWN_MS).unref();
    });
  }

  function call<M extends WriteMethod>(
    method: M,
    ...args: Parameters<WriteCalls[M]>
  ): ReturnType<WriteCalls[M]> {
    const id = nextId++;
    const answer = new Promise<unknown>((resolve, reject) => {
      if (!worker || stopped) {
        reject(unavailable('Webhook delivery is restarting', { 'retry-after': '1' }));
        return;
      }
      pending.set(id, { resolve, reject });
      post({ type: 'call', id, method, args });
    });
    return answer as ReturnType<WriteCalls[M]>;
  }

  function kick(appId: string): void {
    kicked.add(appId);
    if (kickScheduled) return;
    kickScheduled = true;
    setImmediate(() => {
      kickScheduled = false;
      post({ type: 'kick', apps: [...kicked] });
      kicked.clear();
    });
  }

  const dispatcher: Dispatcher = {
    start() {},
    async stop() {},
    kickApp: kick,
    wake: (webhookId) => post({ type: 'wake', webhookId }),
    // The worker learns of new webhooks itself: registering runs there.
    watchApp() {},
  };
  const parts = webhookParts({
    store,
    config,
    log: () => log,
    record: async (assignCall) => {
      post({ type: 'assign-log', call: assignCall });
    },
  });
  spawn();

  return {
    ...parts.reads,
    rules: parts.rules,
    advisor: parts.advisor,
    dispatcher,
    retentionDays: config.webhookRetentionDays,
    start({ bus, log: logger, deliver = true }) {
      log = logger;
      if (deliver) unsubscribe = bus?.subscribe((event) => kick(event.appId));
    },
    async stop() {
      unsubscribe?.();
      const thread = worker;
      stopped = true;
      if (thread) {
        const exited = new Promise((resolve) => thread.once('exit', resolve));
        thread.postMessage({ type: 'stop' } satisfies ToWorker);
        // Its attempts are cut short at stop, so draining takes moments; a hung thread must not
        // hold the shutdown forever (what it had not recorded is still pending in its rows).
        const hung = setTimeout(() => {
          log?.error({}, 'the webhook worker thread did not stop; terminating it');
          void thread.terminate();
        }, STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(hung);
      }
      await parts.close();
    },
    create: (app, input) => call('create', app, input),
    update: (app, id, input) => call('update', app, id, input),
    remove: (app, id) => call('remove', app, id),
    rotate: (app, id) => call('rotate', app, id),
    retry: (app, id, deliveryId) => call('retry', app, id, deliveryId),
    recover: (app, id, since) => call('recover', app, id, since),
    prune: (now) => call('prune', now),
    threadMeters() {
      const id = nextId++;
      return new Promise<MeterSnapshot | undefined>((resolve, reject) => {
        // Restarting: its counters started again from zero with the new thread; report none now.
        if (!worker || stopped) return resolve(undefined);
        pending.set(id, { resolve: (value) => resolve(value as MeterSnapshot), reject });
        post({ type: 'meters', id });
      });
    },
  };
}
