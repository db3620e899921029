import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import type { Bus } from '../events/bus.ts';
import { meterRegistry, meterSnapshot } from '../meters/meters.ts';
import type { Store } from '../store/database.ts';
import type { Webhooks } from '../webhooks/service.ts';
import { createExporter } from './exporter.ts';
import { meterHttp } from './http-latency.ts';
import { readStore, type StoreReading } from './store-gauges.ts';

/** A store reading serves every scrape within this long (ms): a scrape costs at most one read a second. */
const READING_MS = 1000;

export interface Metrics {
  /** Opens the metrics port when configured (`--metrics-port`); otherwise does nothing. */
  start(): Promise<void>;
  /** The URL of /metrics once started; undefined when off. */
  url(): string | undefined;
  /** The exposition, as the port serves it (Prometheus text format). */
  render(): Promise<{ contentType: string; body: string }>;
  stop(): Promise<void>;
}

export interface MetricsDeps {
  config: Config;
  http: FastifyInstance;
  store: Store;
  bus: Bus;
  webhooks: Pick<Webhooks, 'threadMeters'>;
  /** Open sockets of this node, by gateway. */
  sockets: { realtime(): number; stream(): number };
}

/**
 * Prometheus metrics for operators (docs/operations.md). What happens per message or request is only
 * counted (meters/ in the domain, the bus subscription and the HTTP hook here); what is a state —
 * waiting chats, agents, backlogs, health — is read at scrape time, cached a second.
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const { config, store, bus } = deps;
  // Off (the default): no hook, no subscription, no event-loop monitor — nothing on any path.
  if (config.metricsPort === undefined) {
    return {
      async start() {},
      url: () => undefined,
      render: async () => ({ contentType: meterRegistry.contentType, body: await meterRegistry.metrics() }),
      async stop() {},
    };
  }
  const port = config.metricsPort;
  const registry = new Registry();
  // Event-loop lag, CPU, memory, GC, handles: prom-client's standard process and Node.js metrics.
  collectDefaultMetrics({ register: registry });
  meterHttp(deps.http, registry);

  // Counted from this node's own commits (the bus's local events): each event once in a cluster.
  const messages = new Counter({
    name: 'switchboard_messages_total',
    help: 'Messages committed by this node (messages:new events)',
    registers: [registry],
  });
  const invitationsSent = new Counter({
    name: 'switchboard_invitations_sent_total',
    help: 'Invitations sent by this node (invitations:new events)',
    registers: [registry],
  });
  const unsubscribe = bus.subscribe((event) => {
    if (event.trigger === 'messages:new') messages.inc();
    else if (event.trigger === 'invitations:new') invitationsSent.inc();
  });

  let reading: Promise<StoreReading | undefined> | undefined;
  let readAt = 0;
  let storeUp = 0;
  let last: StoreReading | undefined;
  /** The store's figures, read at most once per READING_MS; the last good ones while it fails. */
  function storeReading(): Promise<StoreReading | undefined> {
    if (reading && Date.now() - readAt < READING_MS) return reading;
    readAt = Date.now();
    reading = readStore(store).then(
      (value) => {
        storeUp = 1;
        last = value;
        return value;
      },
      (error: unknown) => {
        storeUp = 0;
        deps.http.log.warn({ err: error }, 'metrics: reading the store failed');
        return last;
      },
    );
    return reading;
  }

  const byRoom = (name: string, help: string, pick: (r: StoreReading) => Map<string, number>) =>
    new Gauge({
      name,
      help,
      labelNames: ['room'],
      registers: [registry],
      async collect() {
        const value = await storeReading();
        this.reset();
        if (value) for (const [room, n] of pick(value)) this.labels(room).set(n);
      },
    });
  byRoom(
    'switchboard_chats_waiting',
    'Open chats waiting for an agent, by room (all apps)',
    (r) => r.waiting,
  );
  byRoom(
    'switchboard_chats_oldest_wait_seconds',
    'Seconds the oldest waiting chat of each room has waited since it was created',
    (r) => r.oldestWait,
  );
  byRoom('switchboard_agents_online', 'Agents online serving each room', (r) => r.online);
  byRoom(
    'switchboard_agents_available',
    'Agents online serving each room with a free slot (active chats below maxChats)',
    (r) => r.available,
  );
  const single = (name: string, help: string, pick: (r: StoreReading) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const value = await storeReading();
        if (value) this.set(pick(value));
      },
    });
  single(
    'switchboard_webhook_backlog',
    'Webhook deliveries pending (waiting for an attempt or a retry)',
    (r) => r.backlog,
  );
  single(
    'switchboard_webhook_backlog_oldest_seconds',
    'Age in seconds of the oldest pending webhook delivery (0 when none)',
    (r) => r.backlogOldest,
  );
  single(
    'switchboard_outbox_unpositioned_events',
    'PostgreSQL: events committed and not yet positioned by the sequencer (always 0 on SQLite)',
    (r) => r.unpositioned,
  );
  new Gauge({
    name: 'switchboard_store_up',
    help: 'Whether the last scrape-time read of the store succeeded (1) or failed (0)',
    registers: [registry],
    async collect() {
      await storeReading();
      this.set(storeUp);
    },
  });
  new Gauge({
    name: 'switchboard_bus_up',
    help: 'Whether the event bus works: 1, or 0 while a Redis bus cannot reach Redis',
    labelNames: ['bus'],
    registers: [registry],
    collect() {
      this.labels(bus.kind).set(bus.state() === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'switchboard_sockets_open',
    help: 'Open sockets on this node, by gateway (realtime: /v1/ws, stream: /v1/stream)',
    labelNames: ['gateway'],
    registers: [registry],
    collect() {
      this.labels('realtime').set(deps.sockets.realtime());
      this.labels('stream').set(deps.sockets.stream());
    },
  });

  async function render(): Promise<{ contentType: string; body: string }> {
    // The domain's meters of this thread, summed with the webhook thread's (same names, its own counts).
    const thread = await deps.webhooks.threadMeters();
    const meters = thread ? AggregatorRegistry.aggregate([await meterSnapshot(), thread]) : meterRegistry;
    const body = `${await registry.metrics()}\n${await meters.metrics()}`;
    return { contentType: registry.contentType, body };
  }

  const exporter = createExporter(render, (error) =>
    deps.http.log.error({ err: error }, 'metrics: rendering the exposition failed'),
  );
  let url: string | undefined;
  return {
    async start() {
      url = await exporter.listen(port, config.host);
    },
    url: () => url,
    render,
    async stop() {
      unsubscribe();
      await exporter.close();
      registry.clear();
    },
  };
}
