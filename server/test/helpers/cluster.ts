import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { WebSocket } from 'ws';
import type { Json } from './harness.ts';
import { Client } from './ws.ts';

/**
 * A real cluster, as an operator runs one: N `node src/main.ts` processes on one fresh PostgreSQL
 * schema (dropped at the end) and one Redis server that this harness starts itself on a free port,
 * so killing and restarting it never disturbs a shared Redis. Everything binds 127.0.0.1. Nodes can
 * be killed with SIGKILL and restarted, and so can Redis; every child is killed by `close()`, by the
 * process exit handler, and — if the test runner itself dies — by a watchdog process.
 */

const SERVER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WATCHDOG = join(dirname(fileURLToPath(import.meta.url)), 'watchdog.ts');

export interface NodeSpec {
  /**
   * The node's role, passed as `--role <role>` when set (`api | worker | all`, issue 15); unset, the
   * server's default. Tests of roles check `rolesSupported()` first.
   */
  role?: string;
  /** Extra environment for this node. */
  env?: Record<string, string>;
}

export interface ClusterOptions {
  /** How many nodes, or one spec per node. */
  nodes: number | NodeSpec[];
  /** Environment of every node (each node's spec env wins). */
  env?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  body: Json;
  text: string;
}

/** One server process of the cluster. */
export interface ClusterNode {
  readonly index: number;
  readonly spec: NodeSpec;
  /** The base URL (`http://127.0.0.1:port`); changes on restart (port 0). */
  url: string;
  pid: number;
  /** What the process printed (stdout and stderr), since its last start. */
  output(): string;
  /** Whether the process is running. */
  alive(): boolean;
  /** A REST call to this node; never throws on a status, only on a connection error. */
  request(
    method: string,
    path: string,
    options?: { headers?: Record<string, string>; body?: Json },
  ): Promise<HttpResponse>;
  /** Opens a realtime socket on this node and reads its session frame. */
  connect(appId: string, token: string, cursor?: string): Promise<Client & { session: Json }>;
}

/** Asserts a REST call's status; returns the response. */
export async function expectCall(
  node: ClusterNode,
  status: number,
  method: string,
  path: string,
  options?: { headers?: Record<string, string>; body?: Json },
): Promise<HttpResponse> {
  const res = await node.request(method, path, options);
  assert.equal(res.status, status, `node ${node.index}: ${method} ${path} → ${res.status} ${res.text}`);
  return res;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a process and resolves once its output matches `ready` (or rejects when it exits first). */
function startProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; ready: RegExp; timeoutMs: number; what: string },
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 500_000) output += chunk.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.what} did not start in ${options.timeoutMs} ms:\n${output.slice(-3000)}`));
    }, options.timeoutMs);
    const check = () => {
      const match = options.ready.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      resolve({ child, match, output: () => output });
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${options.what} exited (${code ?? signal}) before it was ready:\n${output.slice(-3000)}`),
      );
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const everyChild = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of everyChild)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

let watchdog: ChildProcess | undefined;
function watch(child: ChildProcess): void {
  everyChild.add(child);
  if (!watchdog) {
    watchdog = spawn(process.execPath, [WATCHDOG], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    watchdog.unref();
    watchdog.channel?.unref();
  }
  watchdog.send({ watch: child.pid });
  child.once('exit', () => {
    everyChild.delete(child);
    if (watchdog?.connected) watchdog.send({ forget: child.pid });
  });
}

/** A Redis server of this test alone: no persistence, 127.0.0.1, a free port kept across restarts. */
export class TestRedis {
  readonly port: number;
  readonly url: string;
  private child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort());
    await redis.restart();
    return redis;
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it (again) on the same port. */
  async restart(): Promise<void> {
    assert.ok(!this.alive(), 'Redis is already running');
    const started = await startProcess(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { ready: /Ready to accept connections/, timeoutMs: 15_000, what: 'redis-server' },
    );
    this.child = started.child;
    watch(started.child);
  }

  /** SIGKILL: an outage, not a shutdown. */
  async kill(): Promise<void> {
    if (!this.child || !this.alive()) return;
    this.child.kill('SIGKILL');
    await exitOf(this.child);
  }

  /** A client of this Redis (the caller disconnects it); errors are the caller's to see in its calls. */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    client.on('error', () => undefined);
    return client;
  }
}

interface NodeState extends ClusterNode {
  child: ChildProcess;
  dataDir: string;
}

/** A cluster of server processes on one schema and one private Redis. */
export class Cluster {
  readonly nodes: ClusterNode[] = [];
  readonly redis: TestRedis;
  readonly adminKey: string;
  readonly schema: string;
  /** DATABASE_URL with this cluster's schema selected (for direct reads). */
  readonly databaseUrl: string;
  private readonly baseUrl: string;
  private readonly env: Record<string, string>;
  private closed = false;

  private constructor(baseUrl: string, redis: TestRedis, env: Record<string, string>) {
    this.baseUrl = baseUrl;
    this.redis = redis;
    this.env = env;
    this.adminKey = `adm_cluster_${process.pid}`;
    this.schema = `sb_cluster_${process.pid}_${Date.now()}`;
    const url = new URL(baseUrl);
    url.searchParams.set('options', `-c search_path=${this.schema}`);
    this.databaseUrl = url.toString();
  }

  /** Starts Redis, creates the schema, then the nodes (the first alone: it runs the migrations). */
  static async start(baseUrl: string, options: ClusterOptions): Promise<Cluster> {
    const redis = await TestRedis.start();
    const cluster = new Cluster(baseUrl, redis, options.env ?? {});
    try {
      await cluster.dropStaleSchemas();
      await cluster.sql(`create schema ${cluster.schema}`, [], baseUrl);
      const specs =
        typeof options.nodes === 'number' ? Array.from({ length: options.nodes }, () => ({})) : options.nodes;
      const first = await cluster.launch(0, specs[0] ?? {});
      cluster.nodes.push(first);
      const rest = await Promise.all(specs.slice(1).map((spec, i) => cluster.launch(i + 1, spec)));
      cluster.nodes.push(...rest);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** Schemas of earlier clusters whose test process is gone (killed before its `after` ran). */
  private async dropStaleSchemas(): Promise<void> {
    const rows = await this.sql<{ name: string }>(
      "select nspname as name from pg_namespace where nspname like 'sb\\_cluster\\_%'",
      [],
      this.baseUrl,
    );
    for (const { name } of rows) {
      const pid = Number(/^sb_cluster_(\d+)_\d+$/.exec(name)?.[1]);
      if (!pid || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
      } catch {
        await this.sql(`drop schema if exists ${name} cascade`, [], this.baseUrl).catch(() => undefined);
      }
    }
  }

  /** One query on the cluster's schema (or on `url`). */
  async sql<T = Json>(text: string, values: unknown[] = [], url = this.databaseUrl): Promise<T[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  }

  private async launch(index: number, spec: NodeSpec, dataDir?: string): Promise<NodeState> {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), `switchboard-cluster-${index}-`));
    const args = ['src/main.ts', '--port', '0', '--host', '127.0.0.1'];
    if (spec.role !== undefined) args.push('--role', spec.role);
    const started = await startProcess(process.execPath, args, {
      cwd: SERVER_DIR,
      env: {
        ...process.env,
        SWITCHBOARD_DATA_DIR: dir,
        SWITCHBOARD_ADMIN_KEY: this.adminKey,
        SWITCHBOARD_LOG_LEVEL: 'error',
        SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8',
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: this.redis.url,
        ...this.env,
        ...spec.env,
      },
      ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
      timeoutMs: 60_000,
      what: `node ${index}`,
    });
    watch(started.child);
    const url = started.match[1]!;
    const node: NodeState = {
      index,
      spec,
      url,
      pid: started.child.pid!,
      child: started.child,
      dataDir: dir,
      output: started.output,
      alive: () => node.child.exitCode === null && node.child.signalCode === null,
      async request(method, path, options = {}) {
        const res = await fetch(`${node.url}/v1${path}`, {
          method,
          headers: { ...options.headers, ...(options.body ? { 'content-type': 'application/json' } : {}) },
          ...(options.body ? { body: JSON.stringify(options.body) } : {}),
        });
        const text = await res.text();
        let body: Json = {};
        try {
          body = text ? (JSON.parse(text) as Json) : {};
        } catch {
          body = {};
        }
        return { status: res.status, body, text };
      },
      async connect(appId, token, cursor) {
        const url = new URL(`${node.url.replace(/^http/, 'ws')}/v1/ws`);
        url.searchParams.set('appId', appId);
        url.searchParams.set('token', token);
        if (cursor !== undefined) url.searchParams.set('cursor', cursor);
        const ws = new WebSocket(url);
        const client = new Client(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('unexpected-response', (_request, response) =>
            reject(new Error(`HTTP ${response.statusCode}`)),
          );
          ws.once('error', reject);
        });
        let frame: Json;
        try {
          frame = await client.next(10_000, 'the session frame');
        } catch (error) {
          if (!client.isClosed) throw error;
          const closed = await client.closed;
          throw new Error(
            `node ${node.index} closed the socket before the session frame: ${closed.code} ${closed.reason}`,
          );
        }
        assert.equal(frame.event, 'session', `first frame: ${JSON.stringify(frame)}`);
        return Object.assign(client, { session: frame.data as Json });
      },
    };
    return node;
  }

  private state(index: number): NodeState {
    const node = this.nodes[index] as NodeState | undefined;
    assert.ok(node, `no node ${index}`);
    return node;
  }

  /** The node of a process id (e.g. a webhook's lease owner `<pid>-<random>`). */
  nodeOfPid(pid: number): ClusterNode | undefined {
    return this.nodes.find((n) => n.pid === pid && n.alive());
  }

  /** Starts one more node (e.g. while Redis is down); its index is the next one. */
  async addNode(spec: NodeSpec = {}): Promise<ClusterNode> {
    const node = await this.launch(this.nodes.length, spec);
    this.nodes.push(node);
    return node;
  }

  /** SIGSTOP: the node is frozen (holds its connections, answers nothing) until `resume`. */
  pause(index: number): void {
    this.state(index).child.kill('SIGSTOP');
  }

  resume(index: number): void {
    this.state(index).child.kill('SIGCONT');
  }

  /** kill -9 of a node; resolves once it is gone. */
  async kill(index: number): Promise<void> {
    const node = this.state(index);
    node.child.kill('SIGKILL');
    await exitOf(node.child);
  }

  /**
   * Starts a stopped (killed) node again, same data directory and spec, a new port. The node object
   * stays the same (its `url`, `pid` and process are the new ones), so tests may hold on to it.
   */
  async restart(index: number): Promise<ClusterNode> {
    const node = this.state(index);
    assert.ok(!node.alive(), `node ${index} is still running`);
    const fresh = await this.launch(index, node.spec, node.dataDir);
    Object.assign(node, fresh);
    return node;
  }

  /** The Redis channel of the event bus (`switchboard:events:<digest>`), once a node subscribed to it. */
  async eventChannel(): Promise<string | undefined> {
    return [...(await this.subscribers()).keys()].find((c) => /^switchboard:events:[0-9a-f]+$/.test(c));
  }

  /** The Redis channels the nodes subscribe to, with their subscriber counts. */
  async subscribers(): Promise<Map<string, number>> {
    const client = this.redis.client();
    try {
      const channels = (await client.pubsub('CHANNELS', 'switchboard:*')) as string[];
      const counts = new Map<string, number>();
      if (channels.length === 0) return counts;
      const flat = (await client.pubsub('NUMSUB', ...channels)) as Array<string | number>;
      for (let i = 0; i < flat.length; i += 2) counts.set(String(flat[i]), Number(flat[i + 1]));
      return counts;
    } finally {
      client.disconnect();
    }
  }

  /** Stops every node (SIGKILL: the schema is dropped next anyway), Redis, and drops the schema. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.nodes.map(async (n) => {
        const node = n as NodeState;
        node.child.kill('SIGKILL');
        await exitOf(node.child);
        rmSync(node.dataDir, { recursive: true, force: true });
      }),
    );
    await this.redis.kill();
    await this.sql(`drop schema if exists ${this.schema} cascade`, [], this.baseUrl).catch(() => undefined);
  }
}

/**
 * Whether this server accepts `--role` (issue 15's worker role, built on its own branch): the
 * configuration parses it, or refuses it as an unknown flag.
 */
export async function rolesSupported(): Promise<boolean> {
  const { loadConfig } = await import('../../src/config/config.ts');
  try {
    loadConfig(['--role', 'worker', '--database-url', 'postgres://127.0.0.1/probe'], {});
    return true;
  } catch (error) {
    // Only an unknown flag means no roles; any other refusal is the server's to explain at start.
    return (error as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
  }
}

/** An app with its credentials, created through `node`. */
export interface ClusterApp {
  id: string;
  asApp: Record<string, string>;
  as(token: string): Record<string, string>;
}

export async function createClusterApp(
  cluster: Cluster,
  node: ClusterNode,
  name = 'cluster',
): Promise<ClusterApp> {
  const res = await expectCall(node, 201, 'POST', '/apps', {
    headers: { 'x-hyper-admin': cluster.adminKey },
    body: { name },
  });
  const id = res.body.app.id as string;
  return {
    id,
    asApp: { 'x-hyper-appid': id, 'x-hyper-secret': res.body.secret as string },
    as: (token) => ({ 'x-hyper-appid': id, 'x-hyper-token': token }),
  };
}

export interface Member {
  id: string;
  token: string;
}

export async function createMember(node: ClusterNode, app: ClusterApp): Promise<Member> {
  const res = await expectCall(node, 201, 'POST', '/users', { headers: app.asApp, body: { name: 'Ann' } });
  return { id: res.body.user.id as string, token: res.body.session.token as string };
}

let agents = 0;
/** An agent of room 1, signed in (online). */
export async function createClusterAgent(
  node: ClusterNode,
  app: ClusterApp,
  body: Json = {},
): Promise<Member> {
  const contact = `cluster-agent${++agents}-${Date.now()}@example.com`;
  await expectCall(node, 201, 'POST', '/agents', {
    headers: app.asApp,
    body: { name: 'Agent', contact, password: 'pw-123456', rooms: [1], ...body },
  });
  const login = await expectCall(node, 200, 'POST', '/agents/login', {
    headers: app.asApp,
    body: { contact, password: 'pw-123456' },
  });
  return { id: login.body.user.id as string, token: login.body.session.token as string };
}

/** Polls `check` until it returns a value (not undefined/false), or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A chat of a new end user that `agent` has accepted; created on `node`. */
export async function acceptedChat(
  node: ClusterNode,
  app: ClusterApp,
  agent: Member,
): Promise<{ user: Member; chatId: string }> {
  const user = await createMember(node, app);
  const created = await expectCall(node, 201, 'POST', '/chats', { headers: app.as(user.token), body: {} });
  const chatId = created.body.chat.id as string;
  await eventually(
    async () => {
      const res = await node.request('GET', `/invitations?status=pending&chatId=${chatId}`, {
        headers: app.as(agent.token),
      });
      return (res.body.invitations as unknown[] | undefined)?.length ? true : undefined;
    },
    20_000,
    'the invitation',
  );
  await expectCall(node, 200, 'POST', '/invitations/accept', {
    headers: app.as(agent.token),
    body: { chatId },
  });
  return { user, chatId };
}
