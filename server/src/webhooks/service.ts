import { randomBytes } from 'node:crypto';
import type { Agent } from 'undici';
import type { App } from '../apps/apps.ts';
import type { Config } from '../config/config.ts';
import type { Bus } from '../events/bus.ts';
import type { MeterSnapshot } from '../meters/meters.ts';
import type { Store } from '../store/database.ts';
import type { WebhookRow } from '../store/schema.ts';
import type { PageQuery } from '../util/pagination.ts';
import { type AddressRules, addressRules, guardedAgent } from './address.ts';
import { ASSIGN_CONNECT_MS, type AssignCall, type AssignCaller, createAssignCaller } from './assign.ts';
import { createDispatcher, type Dispatcher } from './delivery/dispatcher.ts';
import {
  type DeliveryStatus,
  getDelivery,
  listDeliveries,
  pruneDeliveries,
  recoverDeliveries,
  retryDelivery,
} from './log.ts';
import {
  createWebhook,
  deleteWebhook,
  findWebhook,
  listWebhooks,
  type NewWebhookInput,
  type RegistryDeps,
  rotateSecret,
  updateWebhook,
  type WebhookUpdate,
} from './registry.ts';
import type { Log } from './tx.ts';

/** Everything webhooks (docs/webhooks.md): registration, the dispatcher, the delivery log, chats:assign. */
export interface Webhooks {
  rules: AddressRules;
  /** The routing advisor: the synchronous `chats:assign` call. */
  advisor: AssignCaller;
  dispatcher: Dispatcher;
  retentionDays: number;
  /**
   * Starts the webhook work of this node. `deliver: false` (an `api` node) only sets the logger: the
   * registry, the log routes and the advisor work, deliveries are a worker's. `remote`: the dispatcher
   * also hears other nodes' commits (a worker, whose API nodes commit the events).
   */
  start(deps: { bus?: Bus | undefined; log: Log; deliver?: boolean; remote?: boolean }): void;
  stop(): Promise<void>;
  create(app: App, input: NewWebhookInput): Promise<{ webhook: WebhookRow; secret: string }>;
  list(app: App, query?: PageQuery): Promise<{ items: WebhookRow[]; next: string | null }>;
  get(app: App, id: string): Promise<WebhookRow>;
  update(app: App, id: string, input: WebhookUpdate): Promise<WebhookRow>;
  remove(app: App, id: string): Promise<void>;
  rotate(app: App, id: string): Promise<string>;
  deliveries(
    app: App,
    id: string,
    query: { status?: DeliveryStatus | undefined; limit?: number | undefined; cursor?: string | undefined },
  ): ReturnType<typeof listDeliveries>;
  delivery(app: App, id: string, deliveryId: string): ReturnType<typeof getDelivery>;
  retry(app: App, id: string, deliveryId: string): ReturnType<typeof retryDelivery>;
  recover(app: App, id: string, since: number): Promise<number>;
  /** Deletes logs and payloads older than the retention window; returns how many deliveries went. */
  prune(now?: number): Promise<number>;
  /** The meters of the thread delivering webhooks, when it is not this one (docs/operations.md). */
  threadMeters(): Promise<MeterSnapshot | undefined>;
}

const PRUNE_EVERY_MS = 3600 * 1000;

const quietLog: Log = { error() {}, warn() {}, info() {} };

/** What both kinds of webhook service share: the address rules, the advisor, the read routes. */
export interface WebhookParts {
  rules: AddressRules;
  advisor: AssignCaller;
  deliveryAgent: Agent;
  reads: Pick<Webhooks, 'list' | 'get' | 'deliveries' | 'delivery'>;
  close(): Promise<void>;
}

export function webhookParts(options: {
  store: Store;
  config: Config;
  log: () => Log | undefined;
  /** Where `chats:assign` calls are logged (default: this store). */
  record?: (call: AssignCall) => Promise<void>;
}): WebhookParts {
  const { store, config } = options;
  const rules = addressRules(config.webhookAllowlist);
  const timeoutMs = config.webhookTimeout * 1000;
  const getLog = () => options.log() ?? quietLog;
  // Kept-alive pools whose every connection obeys the address rules: one for deliveries and
  // handshakes, one for the synchronous chats:assign calls (connect within 1 s).
  const deliveryAgent: Agent = guardedAgent(rules, {
    connectTimeout: Math.min(timeoutMs, 10_000),
    connections: 32,
  });
  const assignAgent: Agent = guardedAgent(rules, { connectTimeout: ASSIGN_CONNECT_MS, connections: 32 });
  const advisor = createAssignCaller({
    store,
    agent: assignAgent,
    log: getLog,
    ...(options.record ? { record: options.record } : {}),
  });
  return {
    rules,
    advisor,
    deliveryAgent,
    reads: {
      list: (app, query) => listWebhooks(store, app.id, query),
      get: (app, id) => findWebhook(store, app.id, id),
      deliveries: (app, id, query) => listDeliveries(store, app, id, query),
      delivery: (app, id, deliveryId) => getDelivery(store, app, id, deliveryId),
    },
    async close() {
      await Promise.allSettled([deliveryAgent.close(), assignAgent.close()]);
    },
  };
}

/** Webhooks in this thread: the service of PostgreSQL nodes, and of the embedded worker thread. */
export function createWebhooks(options: { store: Store; config: Config }): Webhooks {
  const { store, config } = options;
  const timeoutMs = config.webhookTimeout * 1000;
  let log: Log = quietLog;
  const getLog = () => log;
  const parts = webhookParts({ store, config, log: getLog });
  const { rules, advisor, deliveryAgent } = parts;
  const nodeId = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const dispatcher = createDispatcher({
    store,
    agent: deliveryAgent,
    schedule: config.webhookRetrySchedule,
    timeoutMs,
    log: getLog,
    nodeId,
    leaseMs: config.leaseMs,
  });
  const registry: RegistryDeps = {
    store,
    agent: deliveryAgent,
    timeoutMs,
    wake: (id) => dispatcher.wake(id),
    maxWebhooks: config.maxWebhooks,
  };
  const retentionDays = config.webhookRetentionDays;
  let unsubscribe: (() => void) | undefined;
  let pruner: NodeJS.Timeout | undefined;
  let stopped = false;

  const webhooks: Webhooks = {
    ...parts.reads,
    rules,
    advisor,
    dispatcher,
    retentionDays,
    start({ bus, log: logger, deliver = true, remote = false }) {
      log = logger;
      if (!deliver) return;
      unsubscribe = bus?.subscribe((event) => dispatcher.kickApp(event.appId), { remote });
      dispatcher.start();
      const prune = () => {
        webhooks.prune().catch((error: unknown) => log.error({ err: error }, 'pruning webhook logs failed'));
      };
      pruner = setInterval(prune, PRUNE_EVERY_MS);
      pruner.unref();
      setTimeout(() => {
        if (!stopped) prune();
      }, 10_000).unref();
    },
    async stop() {
      stopped = true;
      unsubscribe?.();
      if (pruner) clearInterval(pruner);
      await dispatcher.stop();
      await parts.close();
    },
    async create(app, input) {
      const created = await createWebhook(registry, app, input);
      dispatcher.watchApp(app.id);
      return created;
    },
    update: (app, id, input) => updateWebhook(registry, app, id, input),
    remove: (app, id) => deleteWebhook(registry, app, id),
    rotate: (app, id) => rotateSecret(registry, app, id),
    async retry(app, id, deliveryId) {
      const delivery = await retryDelivery(store, app, id, deliveryId);
      dispatcher.wake(id);
      return delivery;
    },
    async recover(app, id, since) {
      const queued = await recoverDeliveries(store, app, id, since);
      if (queued > 0) dispatcher.wake(id);
      return queued;
    },
    prune: (now) => pruneDeliveries(store, retentionDays, now),
    // Delivery runs in this thread: its meters are this thread's own.
    threadMeters: async () => undefined,
  };
  return webhooks;
}
