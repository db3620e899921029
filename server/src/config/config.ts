import { parseArgs } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What a node runs (docs/scale-out.md, Roles): `api` serves clients, `worker` runs the background work. */
export type Role = 'api' | 'worker' | 'all';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Operator key; when absent the embedded default generates one and keeps it in the data dir. */
  adminKey: string | undefined;
  databaseUrl: string | undefined;
  /** `api`: REST and sockets; `worker`: webhook delivery, durable timers, retention; `all`: both. */
  role: Role;
  /** When the embedded store syncs to disk: `normal` survives a crash, `full` also power loss. */
  sqliteSync: 'normal' | 'full';
  redisUrl: string | undefined;
  webhookAllowlist: string[];
  webhookRetrySchedule: number[];
  webhookTimeout: number;
  /** Days webhook delivery logs and payloads are kept. */
  webhookRetentionDays: number;
  logLevel: LogLevel;
  /** Seconds a whole request (headers and body) may take to arrive. */
  requestTimeout: number;
  /** Seconds the request headers may take to arrive. */
  headersTimeout: number;
  /** Per-app caps on collections (docs/limits.md). */
  maxWebhooks: number;
  maxAgents: number;
  /** Apps per instance. */
  maxApps: number;
  /**
   * Milliseconds a node's claims last without renewal (durable timers, webhook pumps, its presence):
   * how soon the others take over the work of a node that died (docs/scale-out.md).
   */
  leaseMs: number;
  /** Open `/v1/ws` sockets one session token may hold on one node (docs/security.md, "Sessions"). */
  maxSocketsPerToken: number;
  /** Per-app rate caps (docs/limits.md, "Rates per app"); 0 = no cap. */
  maxMessagesPerSecond: number;
  maxUsersPerMinute: number;
  maxUploadsPerMinute: number;
  /** Bytes a second streamed for one app on one node (transcripts, media); 0 = no cap. */
  maxTransferBytesPerSecond: number;
  /** Port of `GET /metrics` (Prometheus, docs/operations.md); undefined = off. 0 = any free port. */
  metricsPort: number | undefined;
}

/** Each setting: its environment variable, command-line flag and default (README.md, Configuration). */
export const SETTINGS = [
  { env: 'SWITCHBOARD_PORT', flag: 'port', default: '8000', meaning: 'port for REST and realtime' },
  { env: 'SWITCHBOARD_HOST', flag: 'host', default: '127.0.0.1', meaning: 'address to bind' },
  {
    env: 'SWITCHBOARD_DATA_DIR',
    flag: 'data-dir',
    default: './data',
    meaning: 'embedded SQLite store and the generated admin key',
  },
  { env: 'SWITCHBOARD_ADMIN_KEY', flag: 'admin-key', default: '', meaning: 'operator key for /v1/apps' },
  { env: 'DATABASE_URL', flag: 'database-url', default: '', meaning: 'postgres://… selects PostgreSQL' },
  {
    env: 'SWITCHBOARD_ROLE',
    flag: 'role',
    default: 'all',
    meaning: 'api (REST, sockets), worker (webhooks, timers, retention) or all; api/worker need DATABASE_URL',
  },
  {
    env: 'SWITCHBOARD_SQLITE_SYNC',
    flag: 'sqlite-sync',
    default: 'normal',
    meaning: 'embedded store: normal (survives a crash) or full (also power loss)',
  },
  { env: 'REDIS_URL', flag: 'redis-url', default: '', meaning: 'redis://… cross-node bus' },
  {
    env: 'SWITCHBOARD_WEBHOOK_ALLOWLIST',
    flag: 'webhook-allowlist',
    default: '',
    meaning: 'comma-separated CIDRs webhooks may reach',
  },
  {
    env: 'SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE',
    flag: 'webhook-retry-schedule',
    default: '5,300,1800,7200,18000,36000,36000',
    meaning: 'comma-separated seconds between attempts',
  },
  {
    env: 'SWITCHBOARD_WEBHOOK_TIMEOUT',
    flag: 'webhook-timeout',
    default: '15',
    meaning: 'seconds a delivery may take',
  },
  {
    env: 'SWITCHBOARD_WEBHOOK_RETENTION_DAYS',
    flag: 'webhook-retention-days',
    default: '30',
    meaning: 'days webhook delivery logs and payloads are kept',
  },
  { env: 'SWITCHBOARD_LOG_LEVEL', flag: 'log-level', default: 'info', meaning: 'debug, info, warn, error' },
  {
    env: 'SWITCHBOARD_REQUEST_TIMEOUT',
    flag: 'request-timeout',
    default: '60',
    meaning: 'seconds a whole request (headers and body) may take to arrive',
  },
  {
    env: 'SWITCHBOARD_HEADERS_TIMEOUT',
    flag: 'headers-timeout',
    default: '15',
    meaning: 'seconds the request headers may take to arrive',
  },
  { env: 'SWITCHBOARD_MAX_WEBHOOKS', flag: 'max-webhooks', default: '50', meaning: 'webhooks per app' },
  { env: 'SWITCHBOARD_MAX_AGENTS', flag: 'max-agents', default: '5000', meaning: 'agents per app' },
  { env: 'SWITCHBOARD_MAX_APPS', flag: 'max-apps', default: '10000', meaning: 'apps per instance' },
  {
    env: 'SWITCHBOARD_LEASE_MS',
    flag: 'lease-ms',
    default: '5000',
    meaning: "ms a dead node's timers, deliveries and presence stay claimed (1000–60000)",
  },
  {
    env: 'SWITCHBOARD_MAX_SOCKETS_PER_TOKEN',
    flag: 'max-sockets-per-token',
    default: '20',
    meaning: 'open /v1/ws sockets per session token on one node (1–10000; more: 429)',
  },
  {
    env: 'SWITCHBOARD_MAX_MESSAGES_PER_SECOND',
    flag: 'max-messages-per-second',
    default: '1000',
    meaning: 'messages one app may send per second, per node (0 = no cap; more: 429)',
  },
  {
    env: 'SWITCHBOARD_MAX_USERS_PER_MINUTE',
    flag: 'max-users-per-minute',
    default: '1000',
    meaning: 'end users one app may create per minute (0 = no cap; more: 429)',
  },
  {
    env: 'SWITCHBOARD_MAX_UPLOADS_PER_MINUTE',
    flag: 'max-uploads-per-minute',
    default: '120',
    meaning: 'media uploads one app may make per minute (0 = no cap; more: 429)',
  },
  {
    env: 'SWITCHBOARD_MAX_TRANSFER_BYTES_PER_SECOND',
    flag: 'max-transfer-bytes-per-second',
    default: '16777216',
    meaning:
      'bytes of transcripts and media one app may stream per second, per node (0 = no cap; more: slower)',
  },
  {
    env: 'SWITCHBOARD_METRICS_PORT',
    flag: 'metrics-port',
    default: '',
    meaning: 'port of GET /metrics for Prometheus, on the same host (off when unset; never the public port)',
  },
] as const;

export class ConfigError extends Error {}

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}`);
  return value;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const options = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
  const { values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const raw = (setting: (typeof SETTINGS)[number]): string => {
    const flagValue = values[setting.flag];
    if (typeof flagValue === 'string') return flagValue;
    return env[setting.env] ?? setting.default;
  };
  const byEnv = Object.fromEntries(SETTINGS.map((s) => [s.env, raw(s)])) as Record<
    (typeof SETTINGS)[number]['env'],
    string
  >;

  const logLevel = byEnv.SWITCHBOARD_LOG_LEVEL;
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`SWITCHBOARD_LOG_LEVEL must be debug, info, warn or error, got "${logLevel}"`);
  }
  const databaseUrl = byEnv.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const role = byEnv.SWITCHBOARD_ROLE;
  if (role !== 'api' && role !== 'worker' && role !== 'all') {
    throw new ConfigError(`SWITCHBOARD_ROLE must be api, worker or all, got "${role}"`);
  }
  // Nodes of different roles meet only in the store: the embedded one belongs to one process.
  if (role !== 'all' && !databaseUrl) {
    throw new ConfigError(
      `SWITCHBOARD_ROLE=${role} needs a shared store (DATABASE_URL=postgres://…): the embedded store belongs to one process, so it runs only as all`,
    );
  }
  const sqliteSync = byEnv.SWITCHBOARD_SQLITE_SYNC;
  if (sqliteSync !== 'normal' && sqliteSync !== 'full') {
    throw new ConfigError(`SWITCHBOARD_SQLITE_SYNC must be normal or full, got "${sqliteSync}"`);
  }
  const schedule = list(byEnv.SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE).map((s) =>
    integer('SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE', s, 0, 30 * 86400),
  );
  const requestTimeout = integer('SWITCHBOARD_REQUEST_TIMEOUT', byEnv.SWITCHBOARD_REQUEST_TIMEOUT, 1, 3600);
  const headersTimeout = integer('SWITCHBOARD_HEADERS_TIMEOUT', byEnv.SWITCHBOARD_HEADERS_TIMEOUT, 1, 3600);
  // Node refuses a headers timeout longer than the request's (the headers are part of the request).
  if (headersTimeout > requestTimeout)
    throw new ConfigError('SWITCHBOARD_HEADERS_TIMEOUT must not exceed SWITCHBOARD_REQUEST_TIMEOUT');
  const port = integer('SWITCHBOARD_PORT', byEnv.SWITCHBOARD_PORT, 0, 65535);
  const metricsPort =
    byEnv.SWITCHBOARD_METRICS_PORT === ''
      ? undefined
      : integer('SWITCHBOARD_METRICS_PORT', byEnv.SWITCHBOARD_METRICS_PORT, 0, 65535);
  // Metrics stay off the public port: they describe the whole instance, and need no credentials.
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port)
    throw new ConfigError(
      'SWITCHBOARD_METRICS_PORT must differ from SWITCHBOARD_PORT (metrics are never public)',
    );
  return {
    port,
    host: byEnv.SWITCHBOARD_HOST,
    dataDir: byEnv.SWITCHBOARD_DATA_DIR,
    adminKey: byEnv.SWITCHBOARD_ADMIN_KEY || undefined,
    databaseUrl,
    role,
    sqliteSync,
    redisUrl: byEnv.REDIS_URL || undefined,
    webhookAllowlist: list(byEnv.SWITCHBOARD_WEBHOOK_ALLOWLIST),
    webhookRetrySchedule: schedule,
    webhookTimeout: integer('SWITCHBOARD_WEBHOOK_TIMEOUT', byEnv.SWITCHBOARD_WEBHOOK_TIMEOUT, 1, 600),
    webhookRetentionDays: integer(
      'SWITCHBOARD_WEBHOOK_RETENTION_DAYS',
      byEnv.SWITCHBOARD_WEBHOOK_RETENTION_DAYS,
      1,
      3650,
    ),
    logLevel: logLevel as LogLevel,
    requestTimeout,
    headersTimeout,
    maxWebhooks: integer('SWITCHBOARD_MAX_WEBHOOKS', byEnv.SWITCHBOARD_MAX_WEBHOOKS, 1, 100_000),
    maxAgents: integer('SWITCHBOARD_MAX_AGENTS', byEnv.SWITCHBOARD_MAX_AGENTS, 1, 1_000_000),
    maxApps: integer('SWITCHBOARD_MAX_APPS', byEnv.SWITCHBOARD_MAX_APPS, 1, 10_000_000),
    // Below 1 s a renewal every third of it competes with ordinary stalls (GC, a slow query).
    leaseMs: integer('SWITCHBOARD_LEASE_MS', byEnv.SWITCHBOARD_LEASE_MS, 1000, 60_000),
    maxSocketsPerToken: integer(
      'SWITCHBOARD_MAX_SOCKETS_PER_TOKEN',
      byEnv.SWITCHBOARD_MAX_SOCKETS_PER_TOKEN,
      1,
      10_000,
    ),
    maxMessagesPerSecond: integer(
      'SWITCHBOARD_MAX_MESSAGES_PER_SECOND',
      byEnv.SWITCHBOARD_MAX_MESSAGES_PER_SECOND,
      0,
      100_000_000,
    ),
    maxUsersPerMinute: integer(
      'SWITCHBOARD_MAX_USERS_PER_MINUTE',
      byEnv.SWITCHBOARD_MAX_USERS_PER_MINUTE,
      0,
      100_000_000,
    ),
    maxUploadsPerMinute: integer(
      'SWITCHBOARD_MAX_UPLOADS_PER_MINUTE',
      byEnv.SWITCHBOARD_MAX_UPLOADS_PER_MINUTE,
      0,
      100_000_000,
    ),
    maxTransferBytesPerSecond: integer(
      'SWITCHBOARD_MAX_TRANSFER_BYTES_PER_SECOND',
      byEnv.SWITCHBOARD_MAX_TRANSFER_BYTES_PER_SECOND,
      0,
      1_000_000_000_000,
    ),
    metricsPort,
  };
}
