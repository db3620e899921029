import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { type Child, freePort, REPO_DIR, spawnNode, waitHttp } from './proc.ts';
import { Profiler } from './profiler.ts';

export type StoreKind = 'sqlite' | 'postgres';

export interface ServerOptions {
  store: StoreKind;
  /** Extra environment, e.g. SWITCHBOARD_WEBHOOK_ALLOWLIST. */
  env?: Record<string, string>;
  /** Directory for CPU profiles of the measured phases (see Profiler). */
  profileDir?: string | undefined;
  maxSeconds?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  adminKey: string;
  pid: number;
  child: Child;
  store: StoreKind;
  /** The SQLite file (embedded store), for scenarios that read the outbox directly. */
  sqlitePath?: string;
  /** The PostgreSQL URL with this run's schema selected. */
  databaseUrl?: string;
  /** Profiles the measured phase when the run asked for profiles: `const done = await server.profile('name'); …; await done()`. */
  profile(name: string): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

let serverDir = join(REPO_DIR, 'server');
/** Benchmarks another checkout of the server (e.g. a patched copy, for before/after figures). */
export function useServerDir(dir: string): void {
  serverDir = dir;
}

/** The server checkout under test (scenarios that start their own processes use it too). */
export function currentServerDir(): string {
  return serverDir;
}

let schemas = 0;

/**
 * The server under test, started as a user starts it: `node server/src/main.ts`, in its own process,
 * with a fresh data directory (embedded SQLite) or a fresh PostgreSQL schema (dropped at stop).
 */
export async function startSwitchboard(options: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const adminKey = `adm_bench_${process.pid}_${Date.now()}`;
  let databaseUrl: string | undefined;
  let schema: string | undefined;
  const base = process.env.DATABASE_URL;
  if (options.store === 'postgres') {
    if (!base) throw new Error('DATABASE_URL is not set');
    schema = `bench_${process.pid}_${Date.now()}_${schemas++}`;
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    const url = new URL(base);
    url.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = url.toString();
  }
  const nodeFlags: string[] = [];
  let profiler: Profiler | undefined;
  if (options.profileDir) {
    mkdirSync(options.profileDir, { recursive: true });
    const inspectPort = await freePort();
    nodeFlags.push(`--inspect=127.0.0.1:${inspectPort}`);
    profiler = new Profiler(inspectPort, options.profileDir);
  }
  const child = spawnNode(join(serverDir, 'src', 'main.ts'), [], {
    cwd: serverDir,
    nodeFlags,
    maxSeconds: options.maxSeconds ?? 900,
    env: {
      SWITCHBOARD_PORT: String(port),
      SWITCHBOARD_HOST: '127.0.0.1',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_ADMIN_KEY: adminKey,
      SWITCHBOARD_LOG_LEVEL: 'error',
      DATABASE_URL: databaseUrl ?? '',
      REDIS_URL: '',
      // The benchmarks measure throughput: the per-app rate caps (docs/limits.md) are off unless a
      // scenario sets them (the fairshare scenario measures them on).
      SWITCHBOARD_MAX_MESSAGES_PER_SECOND: '0',
      SWITCHBOARD_MAX_USERS_PER_MINUTE: '0',
      SWITCHBOARD_MAX_UPLOADS_PER_MINUTE: '0',
      SWITCHBOARD_MAX_TRANSFER_BYTES_PER_SECOND: '0',
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/v1/health`, child, 60_000);
  } catch (error) {
    await child.stop(1000);
    throw error;
  }
  return {
    url,
    port,
    adminKey,
    pid: child.pid,
    child,
    store: options.store,
    ...(options.store === 'sqlite' ? { sqlitePath: join(dataDir, 'switchboard.sqlite') } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    async profile(name) {
      if (!profiler) return async () => {};
      await profiler.start();
      return async () => {
        await profiler.stop(name);
      };
    },
    async stop() {
      profiler?.close();
      await child.stop(15_000);
      rmSync(dataDir, { recursive: true, force: true });
      if (schema && base) {
        const client = new pg.Client({ connectionString: base });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      }
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: setup reads response bodies freely
export type Json = Record<string, any>;

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** A thin client for setting a scenario up (never used for the measured load). */
export class Api {
  readonly url: string;
  readonly headers: Record<string, string>;
  constructor(url: string, headers: Record<string, string>) {
    this.url = url;
    this.headers = headers;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Json> {
    const response = await fetch(`${this.url}/v1${path}`, {
      method,
      headers: {
        ...this.headers,
        ...headers,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok)
      throw new ApiError(response.status, `${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
    return text ? (JSON.parse(text) as Json) : {};
  }
}

export interface BenchApp {
  appId: string;
  secret: string;
  api: Api;
}

export async function createApp(server: RunningServer, settings?: Json): Promise<BenchApp> {
  const admin = new Api(server.url, { 'x-hyper-admin': server.adminKey });
  const created = await admin.request('POST', '/apps', { name: `bench-${Date.now()}` });
  const appId = created.app.id as string;
  const secret = created.secret as string;
  const api = new Api(server.url, { 'x-hyper-appid': appId, 'x-hyper-secret': secret });
  if (settings) await api.request('PUT', '/settings', settings);
  return { appId, secret, api };
}

/** Runs `work` over `items` with at most `limit` at a time. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(runners);
  return results;
}

export interface EndUser {
  id: string;
  token: string;
}

export async function createUsers(app: BenchApp, count: number, concurrency = 16): Promise<EndUser[]> {
  return mapLimit(Array.from({ length: count }), concurrency, async (_, i) => {
    const body = await app.api.request('POST', '/users', { name: `user ${i}` });
    return { id: body.user.id as string, token: body.session.token as string };
  });
}

export interface Agent {
  id: string;
  token: string;
}

/** Agents of room 1, each with a session token (issued by the app, so no password login is needed). */
export async function createAgents(
  app: BenchApp,
  count: number,
  extra: Json = {},
  concurrency = 8,
): Promise<Agent[]> {
  return mapLimit(Array.from({ length: count }), concurrency, async (_, i) => {
    const body = await app.api.request('POST', '/agents', {
      name: `agent ${i}`,
      contact: `agent${i}-${Date.now()}@bench.invalid`,
      password: `bench-password-${i}`,
      rooms: [1],
      ...extra,
    });
    const id = body.agent.id as string;
    const token = await app.api.request('POST', `/users/${id}/token`, {});
    return { id, token: token.session.token as string };
  });
}

/** Opens one chat per user, as that user. */
export async function createChats(
  server: RunningServer,
  app: BenchApp,
  users: readonly EndUser[],
  concurrency = 16,
): Promise<string[]> {
  return mapLimit(users, concurrency, async (user) => {
    const api = new Api(server.url, { 'x-hyper-appid': app.appId, 'x-hyper-token': user.token });
    const body = await api.request('POST', '/chats', {});
    return body.chat.id as string;
  });
}

/**
 * Whether the server has the realtime gateway: a WebSocket upgrade on /v1/ws that answers 404 (or is
 * refused) means not yet. Bad credentials are fine here: we only ask whether the route exists.
 */
export async function realtimeAvailable(
  server: RunningServer,
  app: BenchApp,
  token: string,
): Promise<{ ok: boolean; why: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(
      `${server.url.replace('http', 'ws')}/v1/ws?appId=${app.appId}&token=${encodeURIComponent(token)}`,
    );
    const timer = setTimeout(() => {
      ws.terminate();
      resolve({ ok: false, why: 'no session frame within 5 s' });
    }, 5000);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        why: `GET /v1/ws answered ${res.statusCode} (no realtime gateway in this build)`,
      });
      ws.terminate();
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, why: `WebSocket error: ${error.message}` });
    });
    ws.on('message', (data) => {
      clearTimeout(timer);
      const frame = JSON.parse(String(data)) as Json;
      ws.close();
      resolve(
        frame.event === 'session'
          ? { ok: true, why: '' }
          : { ok: false, why: `first frame was ${String(data).slice(0, 200)}` },
      );
    });
  });
}
