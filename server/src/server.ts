import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { countApps, createApp } from './apps/apps.ts';
import { createRedisBus } from './bus/redis.ts';
import { plugChatRouting } from './chats/routing-hooks.ts';
import type { Config } from './config/config.ts';
import { type Bus, createMemoryBus } from './events/bus.ts';
import type { Ctx } from './events/context.ts';
import { createSequencer } from './events/sequencer.ts';
import { buildHttp } from './http/build.ts';
import type { Http } from './http/types.ts';
import type { Caps } from './limits/caps.ts';
import { GRACE_TIMER, graceExpiryHandler } from './presence/grace.ts';
import { TYPING_TIMER, typingTimeoutHandler } from './presence/typing.ts';
import { installRealtime, type Realtime } from './realtime/install.ts';
import type { RealtimeOptions } from './realtime/options.ts';
import { firstValidAdvice } from './routing/advisor.ts';
import { agentRouting, chatRouting } from './routing/hooks.ts';
import { createRouter, type Router } from './routing/router.ts';
import { openStore, type Store, type StoreOptions } from './store/database.ts';
import { installStream, type Stream } from './stream/install.ts';
import { poller } from './timers/lease.ts';
import { createTimerWorker, type TimerWorker } from './timers/timers.ts';
import { createAgent } from './users/agents.ts';
import { plugAgentRouting } from './users/routing-hooks.ts';
import { unavailable } from './util/errors.ts';
import { digest, randomToken } from './util/secrets.ts';
import { createWebhooks, type Webhooks } from './webhooks/service.ts';

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
  /** The WebSocket gateway on /v1/ws (spec sections 6 and 7). */
  realtime: Realtime;
  /** The event stream on /v1/stream (CLIENTS.md section 1). */
  stream: Stream;
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

export interface BuildOptions {
  config: Config;
  logger?: FastifyServerOptions['logger'];
  /** Store overrides for tests (a PostgreSQL schema, an in-memory SQLite). */
  store?: Partial<StoreOptions>;
  /** Realtime limits and periods (tests shorten them; defaults in realtime/options.ts). */
  realtime?: Partial<RealtimeOptions>;
}

/** The composition root: store, bus, commands and HTTP, wired once. */
export async function buildSwitchboard(
  options: BuildOptions,
): Promise<Switchboard & { firstStart: FirstStart }> {
  const { config } = options;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSync: config.sqliteSync,
    ...options.store,
  });
  const logger = options.logger ?? { level: config.logLevel };
  const admin = resolveAdminKey(config);
  let bus: Bus | undefined;
  const webhooks = createWebhooks({ store, config });
  const caps: Caps = {
    webhooksPerApp: config.maxWebhooks,
    agentsPerApp: config.maxAgents,
    apps: config.maxApps,
  };
  const http = await buildHttp({
    ctx: {
      store,
      get bus(): Bus {
        return bus!;
      },
      caps,
    },
    adminKey: admin.key,
    version: VERSION,
    logger,
    webhooks,
    timeouts: { request: config.requestTimeout, headers: config.headersTimeout },
  });
  const onBusError = (error: unknown) => http.log.error({ err: error }, 'event subscriber failed');
  // Nodes sharing a store share a channel (and only they do, e.g. several test schemas on one Redis).
  const storeName = config.databaseUrl ? `${config.databaseUrl}#${options.store?.schema ?? ''}` : '';
  const channel = `switchboard:events:${digest(storeName || config.dataDir).slice(0, 16)}`;
  bus = config.redisUrl
    ? await createRedisBus(config.redisUrl, channel, onBusError)
    : createMemoryBus(onBusError);
  const ctx: Ctx = { store, bus, caps };
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
  const timers = createTimerWorker(store, (error, timer) =>
    http.log.error({ err: error, timer: { kind: timer.kind, ref: timer.ref } }, 'timer failed'),
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
  const realtime = await installRealtime({
    http,
    ctx,
    adminKey: admin.key,
    options: options.realtime,
  });
  const stream = await installStream({
    http,
    ctx,
    adminKey: admin.key,
    options: realtime.options,
    redisUrl: config.redisUrl,
    channel,
  });
  router.advisor = firstValidAdvice([webhooks.advisor, stream.asker]);
  timers.start();
  webhooks.start({ bus, log: http.log });

  // A first start of an empty store gets a demo app, so a newcomer can try the API at once.
  const firstStart: FirstStart = { adminKeyGenerated: admin.generated };
  if ((await countApps(store.db)) === 0) {
    const demo = await createApp(store, { name: 'Demo' });
    // …and an agent, so the demo page (/demo/) and the console can be tried against each other at once.
    const agent = { contact: 'agent@demo.local', password: randomBytes(9).toString('base64url') };
    await createAgent(ctx, demo.app, { name: 'Demo Agent', rooms: [1], maxChats: 5, ...agent });
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
    firstStart,
    listen: () => http.listen({ port: config.port, host: config.host }),
    close() {
      closing ??= (async () => {
        // Connections kept alive after their last response would otherwise hold close() for the
        // keep-alive timeout: answer with `Connection: close` and drop them as soon as they go idle.
        shuttingDown = true;
        const sweep = setInterval(() => http.server.closeIdleConnections(), 50);
        // Streams first: the WebSocket server's own close (in http.close) waits for every socket on it.
        await stream.close();
        await http.close();
        clearInterval(sweep);
        await timers.stop();
        await webhooks.stop();
        await sequencer?.stop();
        await bus!.close();
        await store.close();
      })();
      return closing;
    },
  };
}
