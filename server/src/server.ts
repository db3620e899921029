import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { countApps, createApp } from './apps/apps.ts';
import { systemBy } from './audit/audit.ts';
import { createRedisLink } from './bus/link.ts';
import { createRedisBus } from './bus/redis.ts';
import { plugChatRouting } from './chats/routing-hooks.ts';
import type { Config } from './config/config.ts';
import { type Bus, createMemoryBus } from './events/bus.ts';
import type { Ctx } from './events/context.ts';
import { createSequencer } from './events/sequencer.ts';
import { buildHttp } from './http/build.ts';
import type { Http } from './http/types.ts';
import type { Caps } from './limits/caps.ts';
import { createRates, type Rates } from './limits/rates.ts';
import { createThrottle, type ThrottleOptions } from './limits/throttle.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { GRACE_TIMER, graceExpiryHandler } from './presence/grace.ts';
import { TYPING_TIMER, typingTimeoutHandler } from './presence/typing.ts';
import { ERASURE_TIMER, erasureHandler } from './privacy/erasure.ts';
import { RETENTION_TIMER, retentionHandler } from './privacy/retention.ts';
import { installRealtime, type Realtime } from './realtime/install.ts';
import type { RealtimeOptions } from './realtime/options.ts';
import { REPORT_LOOP_MS, reportPass } from './reports/loop.ts';
import { firstValidAdvice } from './routing/advisor.ts';
import { agentRouting, chatRouting } from './routing/hooks.ts';
import { OPENING_TIMER, openingHandler } from './routing/opening.ts';
import { createRouter, type Router } from './routing/router.ts';
import { openStore, type Store, type StoreOptions } from './store/database.ts';
import { installStream, type Stream } from './stream/install.ts';
import { poller } from './timers/lease.ts';
import { createTimerWorker, type TimerWorker } from './timers/timers.ts';
import { createAgent } from './users/agents.ts';
import { plugAgentRouting } from './users/routing-hooks.ts';
import { notFound, unavailable } from './util/errors.ts';
import { digest, randomToken } from './util/secrets.ts';
import { createWebhooks, type Webhooks } from './webhooks/service.ts';
import { createThreadedWebhooks } from './webhooks/thread/client.ts';

export const VERSION = '0.1.0';

export interface Switchboard {
  http: Http;
  store: Store;
  bus: Bus;
  ctx: Ctx;
  timers: TimerWorker;
  router: Router;
  /** Webhooks: registration, the dispatcher, the delivery log and the chats:assign advisor. */
  webhooks: Webhooks;
  adminKey: string;
  /** The WebSocket gateway on /v1/ws (docs/realtime.md). */
  realtime: Realtime;
  /** The event stream on /v1/stream (docs/stream.md). */
  stream: Stream;
  /** Prometheus metrics on their own port, when configured (docs/operations.md). */
  metrics: Metrics;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then closes the bus and the store. */
  close(): Promise<void>;
}

export interface FirstStart {
  adminKeyGenerated: boolean;
  demo?: { appId: string; secret: string; domainKey: string; agent: { contact: string; password: string } };
}

/** The admin key: from configuration, or generated once and kept in the data directory. */
function resolveAdminKey(config: Config): { key: string; generated: boolean } {
  if (config.adminKey) return { key: config.adminKey, generated: false };
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'admin-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false };
  const key = `adm_${randomToken(32)}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}

/** The longest a worker waits after another node's commit to look for due timers. */
const TIMER_NUDGE_MS = 25;

/** Paths a worker answers: enough for a load balancer or an operator to see it is alive. */
const WORKER_PATHS = new Set(['/v1/health']);

/**
 * A worker node keeps its HTTP server for `/v1/health` only; every other route (REST, /v1/ws,
 * /v1/stream, the web pages) answers 404 saying why, so a misrouted client learns at once.
 */
function serveOnlyHealth(http: Http): void {
  http.addHook('onRequest', async (request) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!WORKER_PATHS.has(path)) {
      throw notFound('This node is a worker (--role worker): it serves only /v1/health');
    }
  });
}

export interface BuildOptions {
  config: Config;
  logger?: FastifyServerOptions['logger'];
  /** Store overrides for tests (a PostgreSQL schema, an in-memory SQLite). */
  store?: Partial<StoreOptions>;
  /** Realtime limits and periods (tests shorten them; defaults in realtime/options.ts). */
  realtime?: Partial<RealtimeOptions>;
  /** Embedded store: deliver webhooks on a worker thread (the default); false keeps them here. */
  webhookThread?: boolean;
  /** Throttle limits and clock (tests move the clock; defaults in limits/throttle.ts). */
  throttle?: Partial<ThrottleOptions>;
}

/** The composition root: store, bus, commands and HTTP, wired once. */
export async function buildSwitchboard(
  options: BuildOptions,
): Promise<Switchboard & { firstStart: FirstStart }> {
  const { config } = options;
  // Embedded `all`: webhook delivery on a thread of its own, so one process uses two cores. On
  // PostgreSQL a node stays one thread (its store has no single-writer lock to share); nodes scale out.
  const dataDir = options.store?.dataDir ?? config.dataDir;
  const embedded = !(options.store?.databaseUrl ?? config.databaseUrl);
  const threaded = embedded && !options.store?.sqlitePath && options.webhookThread !== false;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSync: config.sqliteSync,
    deliveryFileWriter: threaded ? 'thread' : 'here',
    ...options.store,
  });
  const logger = options.logger ?? { level: config.logLevel };
  const admin = resolveAdminKey(config);
  let bus: Bus | undefined;
  let rates: Rates | undefined;
  const webhooks = threaded
    ? createThreadedWebhooks({ store, config, dataDir })
    : createWebhooks({ store, config });
  const caps: Caps = {
    webhooksPerApp: config.maxWebhooks,
    agentsPerApp: config.maxAgents,
    apps: config.maxApps,
  };
  // Failed logins and wrong credentials, counted in the store (docs/security.md, Throttling).
  const throttle = createThrottle(store, options.throttle);
  await throttle.start();
  const http = await buildHttp({
    ctx: {
      store,
      get bus(): Bus {
        return bus!;
      },
      caps,
      get rates(): Rates {
        return rates!;
      },
    },
    adminKey: admin.key,
    version: VERSION,
    logger,
    webhooks,
    timeouts: { request: config.requestTimeout, headers: config.headersTimeout },
    throttle,
  });
  const onBusError = (error: unknown) => http.log.error({ err: error }, 'event subscriber failed');
  // Nodes sharing a store share a channel (and only they do, e.g. several test schemas on one Redis).
  const storeName = config.databaseUrl ? `${config.databaseUrl}#${options.store?.schema ?? ''}` : '';
  const channel = `switchboard:events:${digest(storeName || config.dataDir).slice(0, 16)}`;
  // One link for every Redis connection of the node: its state is the bus's, its outages one log line.
  const redis = config.redisUrl ? createRedisLink(config.redisUrl, http.log) : undefined;
  bus = redis ? await createRedisBus(redis, channel, onBusError) : createMemoryBus(onBusError);
  // Fair share (docs/limits.md): with Redis the per-minute caps hold across nodes.
  const rateRedis = redis?.connect({ enableOfflineQueue: false });
  rates = createRates(
    {
      messagesPerSecond: config.maxMessagesPerSecond,
      usersPerMinute: config.maxUsersPerMinute,
      uploadsPerMinute: config.maxUploadsPerMinute,
      transferBytesPerSecond: config.maxTransferBytesPerSecond,
    },
    rateRedis,
  );
  const ctx: Ctx = { store, bus, caps, rates };
  // PostgreSQL: event positions are handed out after commit, on every node (events/sequencer.ts).
  const sequencer =
    store.dialect === 'postgres'
      ? createSequencer({
          store,
          bus,
          loop: (pass) =>
            poller({
              pass,
              idleMs: 1000,
              onError: (err) => http.log.error({ err }, 'event sequencer failed'),
            }),
        })
      : undefined;
  sequencer?.start();
  const timers = createTimerWorker(
    store,
    (error, timer) =>
      http.log.error({ err: error, timer: { kind: timer.kind, ref: timer.ref } }, 'timer failed'),
    {
      leaseMs: config.leaseMs,
      onLost: (timer) =>
        http.log.warn(
          { timer: { kind: timer.kind, ref: timer.ref } },
          'timer claim taken over (stalled past the lease)',
        ),
    },
  );
  // Routing sits above chats and users: their commands reach it through these hooks.
  plugChatRouting(chatRouting);
  plugAgentRouting(agentRouting);
  const router = createRouter(ctx, webhooks.advisor);
  // Every durable timer has its handler here, whichever transports this process installs.
  timers.register('jump', router.timerHandlers.jump);
  timers.register('invitation', router.timerHandlers.invitation);
  timers.register('queue', router.timerHandlers.queue);
  timers.register('inactivity', router.timerHandlers.inactivity);
  timers.register(GRACE_TIMER, graceExpiryHandler(ctx));
  timers.register(TYPING_TIMER, typingTimeoutHandler(ctx));
  timers.register(OPENING_TIMER, openingHandler(ctx)); // opening hours: routing/opening.ts
  timers.register(ERASURE_TIMER, erasureHandler(ctx)); // an end user's erasure: privacy/erasure.ts
  timers.register(RETENTION_TIMER, retentionHandler(ctx)); // retention: privacy/retention.ts
  const realtime = await installRealtime({
    http,
    ctx,
    adminKey: admin.key,
    options: {
      nodeLeaseMs: config.leaseMs,
      maxSocketsPerToken: config.maxSocketsPerToken,
      ...options.realtime,
    },
    throttle,
  });
  const stream = await installStream({
    http,
    ctx,
    adminKey: admin.key,
    options: realtime.options,
    redis,
    channel,
    throttle,
  });
  router.advisor = firstValidAdvice([webhooks.advisor, stream.asker]);
  // Roles (docs/scale-out.md): an api node schedules timers and records events, a worker runs them.
  const runsWork = config.role !== 'api';
  if (runsWork) timers.start();
  // The report projection follows the event log on the nodes that run work (docs/reports.md).
  const reports = poller({
    pass: () => reportPass(store),
    idleMs: REPORT_LOOP_MS,
    onError: (err) => http.log.error({ err }, 'report projection failed'),
  });
  if (runsWork) reports.start();
  webhooks.start({ bus, log: http.log, deliver: runsWork, remote: config.role === 'worker' });
  if (config.role === 'worker') {
    serveOnlyHealth(http);
    // Timers are scheduled by the api nodes' commits, whose wake-ups stay in their process. Those
    // commits publish events: each is a hint to look (at most every TIMER_NUDGE_MS), so a timer due
    // now — the first jump of a new chat, a queue pump — waits that long, not the 1 s poll.
    bus.subscribe(() => timers.wake(Date.now() + TIMER_NUDGE_MS), { remote: true });
  }

  // Metrics for operators on a port of their own, off unless configured (docs/operations.md).
  const sockets = { realtime: () => realtime.connectionCount(), stream: () => stream.connectionCount() };
  const metrics = createMetrics({ config, http, store, bus, webhooks, sockets });
  await metrics.start();

  // A first start of an empty store gets a demo app, so a newcomer can try the API at once.
  const firstStart: FirstStart = { adminKeyGenerated: admin.generated };
  if ((await countApps(store.db)) === 0) {
    const demo = await createApp(store, { name: 'Demo' }, systemBy('first start'));
    // …and an agent, so the demo page (/demo/) and the console can be tried against each other at once.
    const agent = { contact: 'agent@demo.local', password: randomBytes(9).toString('base64url') };
    await createAgent(
      ctx,
      demo.app,
      { name: 'Demo Agent', rooms: [1], maxChats: 5, ...agent },
      systemBy('first start'),
    );
    firstStart.demo = { appId: demo.app.id, secret: demo.secret, domainKey: demo.domainKey, agent };
  }

  let closing: Promise<void> | undefined;
  let shuttingDown = false;
  http.addHook('onRequest', async () => {
    if (shuttingDown) throw unavailable('The server is shutting down', { 'retry-after': '1' });
  });
  http.addHook('onSend', async (_request, reply) => {
    if (shuttingDown) reply.header('connection', 'close');
  });
  return {
    http,
    store,
    bus,
    ctx,
    timers,
    router,
    webhooks,
    adminKey: admin.key,
    realtime,
    stream,
    metrics,
    firstStart,
    listen: () => http.listen({ port: config.port, host: config.host }),
    close() {
      closing ??= (async () => {
        // Connections kept alive after their last response would otherwise hold close() for the
        // keep-alive timeout: answer with `Connection: close` and drop them as soon as they go idle.
        shuttingDown = true;
        await metrics.stop();
        const sweep = setInterval(() => http.server.closeIdleConnections(), 50);
        // Streams first: the WebSocket server's own close (in http.close) waits for every socket on it.
        await stream.close();
        await http.close();
        clearInterval(sweep);
        await timers.stop();
        await reports.stop();
        await webhooks.stop();
        await sequencer?.stop();
        await throttle.stop();
        if (rateRedis) await redis?.quit(rateRedis);
        await bus!.close();
        await store.close();
      })();
      return closing;
    },
  };
}
