import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.ts';
import type { ThrottleOptions } from '../../src/limits/throttle.ts';
import type { RealtimeOptions } from '../../src/realtime/options.ts';
import { buildSwitchboard, type Switchboard } from '../../src/server.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** The stores a suite runs on: SQLite always, PostgreSQL when SWITCHBOARD_TEST_DATABASE_URL is set. */
export function storeKinds(): StoreKind[] {
  return process.env.SWITCHBOARD_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** `describe` once per store, named after it. */
export function describeEachStore(name: string, body: (kind: StoreKind) => void): void {
  for (const kind of storeKinds()) describe(`${name} [${kind}]`, () => body(kind));
}

export interface Response<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  text: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** A JS value is sent as JSON; a string or Buffer is sent as is. */
  body?: unknown;
  query?: Record<string, string>;
  /** The client address the request comes from (default 127.0.0.1). */
  remoteAddress?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: tests inspect response bodies freely
export type Json = Record<string, any>;

export interface TestServer {
  sb: Switchboard;
  adminKey: string;
  kind: StoreKind;
  /** The PostgreSQL schema it runs on (share it with `startServer(kind, env, { schema })`). */
  schema: string | undefined;
  request<T = Json>(method: string, url: string, options?: RequestOptions): Promise<Response<T>>;
  /** Stops this node and starts a new one on the same store (a restart); `sb` is replaced. */
  restart(beforeStart?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

export interface StartOptions {
  /** Run on this existing PostgreSQL schema (a second node of another test server); not dropped at close. */
  schema?: string | undefined;
  /** Realtime limits and periods for this node. */
  realtime?: Partial<RealtimeOptions>;
  /** SQLite: run on this data directory (kept at close) instead of a fresh one. */
  dataDir?: string;
  /** SQLite: the store file itself, as tests of older layouts open it (no webhook file split). */
  sqlitePath?: string;
  /** SQLite: webhook delivery on its worker thread (default) or in the request thread. */
  webhookThread?: boolean;
  /** Throttle limits and clock for this node (defaults in limits/throttle.ts). */
  throttle?: Partial<ThrottleOptions>;
}

/** A Switchboard on a fresh store: a temp SQLite directory, or a fresh PostgreSQL schema dropped at close. */
export async function startServer(
  kind: StoreKind,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const adminKey = `adm_test_${process.pid}`;
  const databaseUrl = kind === 'postgres' ? process.env.SWITCHBOARD_TEST_DATABASE_URL : undefined;
  const ownsSchema = options.schema === undefined;
  const schema =
    kind === 'postgres' ? (options.schema ?? `sb_test_${process.pid}_${Date.now()}_${counter++}`) : undefined;
  const config = loadConfig([], {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_ADMIN_KEY: adminKey,
    SWITCHBOARD_PORT: '0',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const build = () =>
    buildSwitchboard({
      config,
      logger: false,
      ...(schema ? { store: { schema } } : {}),
      ...(options.sqlitePath ? { store: { sqlitePath: options.sqlitePath } } : {}),
      ...(options.webhookThread !== undefined ? { webhookThread: options.webhookThread } : {}),
      ...(options.realtime ? { realtime: options.realtime } : {}),
      ...(options.throttle ? { throttle: options.throttle } : {}),
    });
  const server: TestServer = {
    sb: await build(),
    adminKey,
    kind,
    schema,
    async request(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      let payload: string | Buffer | undefined;
      if (options.body !== undefined) {
        if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = options.body;
        else {
          payload = JSON.stringify(options.body);
          headers['content-type'] ??= 'application/json';
        }
      }
      const response = await server.sb.http.inject({
        method: method as 'GET',
        url,
        headers,
        ...(options.query ? { query: options.query } : {}),
        ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
        ...(payload !== undefined ? { payload } : {}),
      });
      let body: unknown;
      const type = String(response.headers['content-type'] ?? '');
      if (type.includes('application/json') && response.body.length > 0) body = JSON.parse(response.body);
      return {
        status: response.statusCode,
        headers: response.headers,
        body: body as never,
        text: response.body,
      };
    },
    async restart(beforeStart) {
      await server.sb.close();
      if (beforeStart) await beforeStart();
      server.sb = await build();
    },
    async close() {
      await server.sb.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      if (schema && databaseUrl && ownsSchema) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`drop schema if exists ${schema} cascade`);
        await client.end();
      }
    },
  };
  return server;
}

/** Polls `check` until it returns a value (not undefined/false), or fails after `ms`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  ms = 10000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
