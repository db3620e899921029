import { parentPort, workerData } from 'node:worker_threads';
import { meterSnapshot } from '../../meters/meters.ts';
import { openDeliveryStore } from '../../store/database.ts';
import { recordAssignCall } from '../assign.ts';
import { createWebhooks } from '../service.ts';
import type { Log } from '../tx.ts';
import {
  type FromWorker,
  type LogLevel,
  plainError,
  plainLogObject,
  type ThreadData,
  type ToWorker,
  type WriteCalls,
} from './messages.ts';

/**
 * The webhook worker thread of an embedded `all` node (docs/scale-out.md, Roles): the dispatcher —
 * fan-out, pumps, attempts, the recorder — its pruning, and every write to the delivery log, on a
 * connection of its own to `webhooks.sqlite` (the data directory's store attached for reading events
 * and apps). The request thread tells it which apps committed events; it logs through the request
 * thread's logger.
 */
const port = parentPort;
if (!port) throw new Error('the webhook worker runs as a worker thread');
const { config, dataDir } = workerData as ThreadData;

const send = (message: FromWorker) => port.postMessage(message);
const RANK: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const threshold = RANK[config.logLevel] ?? 1;
const forward =
  (level: LogLevel) =>
  (object: object, message: string): void => {
    if ((RANK[level] ?? 3) >= threshold)
      send({ type: 'log', level, object: plainLogObject(object), message });
  };
const log: Log = { error: forward('error'), warn: forward('warn'), info: forward('info') };

const store = openDeliveryStore({ dataDir, sqliteSync: config.sqliteSync });
const webhooks = createWebhooks({ store, config });
// No bus here: the request thread's commits arrive as `kick` messages.
webhooks.start({ log, deliver: true });
const calls: WriteCalls = webhooks;

/** Calls and call logs under way: stopping waits for them before closing the store. */
const inFlight = new Set<Promise<unknown>>();
function track<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  work.then(
    () => inFlight.delete(work),
    () => inFlight.delete(work),
  );
  return work;
}

let stopping = false;
port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'kick':
      for (const appId of message.apps) webhooks.dispatcher.kickApp(appId);
      return;
    case 'wake':
      webhooks.dispatcher.wake(message.webhookId);
      return;
    case 'call': {
      const method = calls[message.method] as (...args: unknown[]) => Promise<unknown>;
      track(method.apply(calls, message.args)).then(
        (value) => send({ type: 'result', id: message.id, value }),
        (error: unknown) => send({ type: 'failure', id: message.id, error: plainError(error) }),
      );
      return;
    }
    case 'meters':
      meterSnapshot().then(
        (value) => send({ type: 'result', id: message.id, value }),
        (error: unknown) => send({ type: 'failure', id: message.id, error: plainError(error) }),
      );
      return;
    case 'assign-log':
      track(recordAssignCall(store, message.call)).catch((error: unknown) =>
        log.error({ err: error, webhookId: message.call.hook.id }, 'logging a chats:assign call failed'),
      );
      return;
    case 'stop':
      // Pumps wait for their answers to be recorded: nothing answered is lost.
      if (stopping) return;
      stopping = true;
      (async () => {
        await Promise.allSettled([...inFlight]);
        await webhooks.stop();
        await store.close();
        send({ type: 'stopped' });
        port.close();
      })().catch((error: unknown) => {
        log.error({ err: error }, 'stopping the webhook worker failed');
        port.close();
      });
      return;
  }
});
