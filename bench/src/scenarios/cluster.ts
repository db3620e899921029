import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  type Child,
  cpuSecondsOf,
  freePort,
  REPO_DIR,
  spawnNode,
  startWorker,
  waitHttp,
} from '../lib/proc.ts';
import { type Row, row, unavailable } from '../lib/report.ts';
import { round } from '../lib/stats.ts';
import { Api, type BenchApp, createUsers, currentServerDir, mapLimit } from '../lib/switchboard.ts';
import type { LoadResult, LoadSpec } from '../load/http.ts';
import { LOAD, MESSAGE_BODY, phase, plain, type ScenarioContext } from './context.ts';

/**
 * Scale-out on PostgreSQL (issue 15): message ingest for ONE app through 1 node and through 3 nodes —
 * server processes on one schema and one private Redis — at saturation and at a fixed rate, with the
 * CPU it costs in the nodes and in PostgreSQL, and the share of PostgreSQL backends waiting on locks.
 * Beside the bare Fastify route of the ingest scenario.
 *
 * - Node CPU: the sum over the node processes, from /proc/<pid>/stat.
 * - PostgreSQL CPU: the sum over the backends serving this run's nodes (found by the
 *   `application_name` the nodes' DATABASE_URL sets), from /proc/<pid>/stat — PostgreSQL runs on this
 *   machine; pg_stat_statements is not installed here, and /proc also counts what it would not (parse,
 *   commit, WAL insertion). Other clients of the same PostgreSQL are not counted.
 * - Lock waits: `pg_stat_activity` sampled every 100 ms during saturation: backends of this run with
 *   `wait_event_type = 'Lock'`, over all backends of this run.
 */
const REDIS_LOAD = join(REPO_DIR, 'bench', 'src', 'load', 'redis.ts');

interface Topology {
  nodes: number;
  saturation: { perSecond: number; ok: number; errors: number; firstError?: string | undefined };
  fixed: { p50: number; p99: number; ok: number; errors: number; dropped: number; unfinished: number };
  nodeCpuSeconds: number;
  pgCpuSeconds: number;
  nodeCpuPerMessageUs: number;
  pgCpuPerMessageUs: number;
  nodeCpuShare: number;
  locks: {
    samples: number;
    meanShare: number;
    maxWaiting: number;
    meanBackends: number;
    events: Record<string, number>;
  };
}

interface ClusterNode {
  url: string;
  pid: number;
  child: Child;
  dataDir: string;
}

/** CPU seconds of the PostgreSQL backends of `application`, by pid. */
async function backendCpu(client: pg.Client, application: string): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>(
    'select pid from pg_stat_activity where application_name = $1',
    [application],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuSecondsOf(pid));
    } catch {
      // the backend ended meanwhile
    }
  }
  return cpu;
}

/** CPU used between two snapshots (a backend born in between counts from zero). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/** Samples pg_stat_activity every 100 ms until stopped. */
function sampleLocks(client: pg.Client, application: string) {
  const shares: number[] = [];
  const backends: number[] = [];
  const events: Record<string, number> = {};
  let maxWaiting = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const { rows } = await client.query<{ wait_event_type: string | null; wait_event: string | null }>(
        'select wait_event_type, wait_event from pg_stat_activity where application_name = $1',
        [application],
      );
      const waiting = rows.filter((r) => r.wait_event_type === 'Lock');
      for (const r of waiting) {
        const key = `${r.wait_event_type}:${r.wait_event}`;
        events[key] = (events[key] ?? 0) + 1;
      }
      maxWaiting = Math.max(maxWaiting, waiting.length);
      if (rows.length > 0) {
        shares.push(waiting.length / rows.length);
        backends.push(rows.length);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    return {
      samples: shares.length,
      meanShare: mean(shares),
      maxWaiting,
      meanBackends: mean(backends),
      events,
    };
  };
}

async function startNode(env: Record<string, string>, maxSeconds: number): Promise<ClusterNode> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-cluster-'));
  // The checkout under test: in a --compare run, the "before" one first.
  const serverDir = currentServerDir();
  const child = spawnNode(join(serverDir, 'src', 'main.ts'), [], {
    cwd: serverDir,
    maxSeconds,
    env: {
      SWITCHBOARD_PORT: String(port),
      SWITCHBOARD_HOST: '127.0.0.1',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_LOG_LEVEL: 'error',
      // Throughput runs: the per-app rate caps (docs/limits.md) are off.
      SWITCHBOARD_MAX_MESSAGES_PER_SECOND: '0',
      SWITCHBOARD_MAX_USERS_PER_MINUTE: '0',
      SWITCHBOARD_MAX_UPLOADS_PER_MINUTE: '0',
      SWITCHBOARD_MAX_TRANSFER_BYTES_PER_SECOND: '0',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/v1/health`, child, 60_000);
  } catch (error) {
    await child.stop(1000);
    throw error;
  }
  return { url, pid: child.pid, child, dataDir };
}

export async function cluster(ctx: ScenarioContext): Promise<Row[]> {
  const s = ctx.store;
  const scenario = 'cluster';
  if (s !== 'postgres')
    return [
      unavailable(
        s,
        scenario,
        'PostgreSQL only: nodes of a cluster share one PostgreSQL (the embedded SQLite store belongs to one process); see the postgres rows',
      ),
    ];
  const base = process.env.DATABASE_URL;
  if (!base) return [unavailable(s, scenario, 'DATABASE_URL is not set')];
  const cfg = ctx.quick
    ? { chats: 60, connections: 30, warmSec: 1, satSec: 4, rate: 200, rateSec: 3 }
    : { chats: 300, connections: 30, warmSec: 3, satSec: 15, rate: 200, rateSec: 15 };

  const redis = startWorker(REDIS_LOAD, { maxSeconds: 600 });
  const gen = startWorker(LOAD.http, { maxSeconds: 600 });
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const topologies: Topology[] = [];
  try {
    const redisPort = await redis.call<number>('start');
    for (const n of [1, 3]) {
      ctx.log(`cluster: one app through ${n} node${n > 1 ? 's' : ''}`);
      const tag = `sbbench_${process.pid}_${n}_${Date.now()}`;
      const schema = tag;
      await admin.query(`create schema ${schema}`);
      const url = new URL(base);
      url.searchParams.set('options', `-c search_path=${schema}`);
      url.searchParams.set('application_name', tag);
      const adminKey = `adm_bench_${process.pid}`;
      const env = {
        DATABASE_URL: url.toString(),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        SWITCHBOARD_ADMIN_KEY: adminKey,
      };
      const nodes: ClusterNode[] = [];
      try {
        // The first node alone runs the migrations; the others join it.
        nodes.push(await startNode(env, 600));
        nodes.push(...(await Promise.all(Array.from({ length: n - 1 }, () => startNode(env, 600)))));
        const first = nodes[0]!;
        const adminApi = new Api(first.url, { 'x-hyper-admin': adminKey });
        const created = await adminApi.request('POST', '/apps', { name: `bench-cluster-${n}` });
        const app: BenchApp = {
          appId: created.app.id,
          secret: created.secret,
          api: new Api(first.url, { 'x-hyper-appid': created.app.id, 'x-hyper-secret': created.secret }),
        };
        await app.api.request('PUT', '/settings', { assign: { onCreate: false } });
        const users = await createUsers(app, cfg.chats);
        const chats = await mapLimit(users, 16, async (user) => {
          const api = new Api(first.url, { 'x-hyper-appid': app.appId, 'x-hyper-token': user.token });
          return (await api.request('POST', '/chats', {})).chat.id as string;
        });
        // Chat i is written through node i % n: every node takes a share of the one app's traffic.
        const specs: Array<Omit<LoadSpec, 'durationSec' | 'connections'>> = nodes.map((node, k) => ({
          url: node.url,
          body: MESSAGE_BODY,
          targets: chats
            .map((id, i) => ({ id, i }))
            .filter(({ i }) => i % n === k)
            .map(({ id, i }) => ({
              path: `/v1/chats/${id}/messages`,
              headers: { 'x-hyper-appid': app.appId, 'x-hyper-token': users[i]!.token },
            })),
        }));
        const perNode = Math.max(1, Math.round(cfg.connections / n));
        const saturate = (durationSec: number) =>
          Promise.all(
            specs.map((spec) =>
              gen.call<LoadResult>('saturate', { ...spec, connections: perNode, durationSec }),
            ),
          );
        await saturate(cfg.warmSec);

        const nodeCpu = () => nodes.reduce((sum, node) => sum + cpuSecondsOf(node.pid), 0);
        const pg0 = await backendCpu(admin, tag);
        const node0 = nodeCpu();
        const sampler = new pg.Client({ connectionString: base });
        await sampler.connect();
        const stopSampling = sampleLocks(sampler, tag);
        const t0 = performance.now();
        const sat = await saturate(cfg.satSec);
        const seconds = (performance.now() - t0) / 1000;
        const locks = await stopSampling();
        await sampler.end();
        const nodeCpuSeconds = nodeCpu() - node0;
        const pgCpuSeconds = cpuBetween(pg0, await backendCpu(admin, tag));
        const ok = sat.reduce((sum, r) => sum + r.ok, 0);

        const fixed = await Promise.all(
          specs.map((spec) =>
            gen.call<LoadResult>('rate', {
              ...spec,
              connections: Math.max(8, Math.round(64 / n)),
              durationSec: cfg.rateSec,
              rate: cfg.rate / n,
            }),
          ),
        );
        topologies.push({
          nodes: n,
          saturation: {
            perSecond: ok / seconds,
            ok,
            errors: sat.reduce((sum, r) => sum + r.errors, 0),
            firstError: sat.find((r) => r.firstError)?.firstError,
          },
          // Each node's generator reports its own percentiles: the worst of them is reported.
          fixed: {
            p50: Math.max(...fixed.map((r) => r.latency.p50)),
            p99: Math.max(...fixed.map((r) => r.latency.p99)),
            ok: fixed.reduce((sum, r) => sum + r.ok, 0),
            errors: fixed.reduce((sum, r) => sum + r.errors, 0),
            dropped: fixed.reduce((sum, r) => sum + (r.dropped ?? 0), 0),
            unfinished: fixed.reduce((sum, r) => sum + (r.unfinished ?? 0), 0),
          },
          nodeCpuSeconds,
          pgCpuSeconds,
          nodeCpuPerMessageUs: (nodeCpuSeconds / Math.max(1, ok)) * 1e6,
          pgCpuPerMessageUs: (pgCpuSeconds / Math.max(1, ok)) * 1e6,
          nodeCpuShare: round(nodeCpuSeconds / seconds),
          locks,
        });
      } finally {
        await Promise.all(nodes.map((node) => node.child.stop(10_000)));
        for (const node of nodes) rmSync(node.dataDir, { recursive: true, force: true });
        await admin.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      }
    }
  } finally {
    await redis.call('stop').catch(() => undefined);
    await redis.stop();
    await admin.end();
  }

  ctx.log('cluster: bare Fastify');
  const bare = startWorker(LOAD.bare, { maxSeconds: 300 });
  let baseline: { perSecond: number; p50: number; p99: number; cpuPerMessageUs: number };
  try {
    const port = await bare.call<number>('listen');
    const spec = {
      url: `http://127.0.0.1:${port}`,
      body: MESSAGE_BODY,
      targets: Array.from({ length: cfg.chats }, (_, i) => ({
        path: `/v1/chats/c${i}/messages`,
        headers: { 'x-hyper-appid': 'app', 'x-hyper-token': 'token' },
      })),
    };
    await gen.call('saturate', { ...spec, connections: cfg.connections, durationSec: cfg.warmSec });
    const sat = await phase(ctx, plain(bare.pid), 'cluster-bare', () =>
      gen.call<LoadResult>('saturate', { ...spec, connections: cfg.connections, durationSec: cfg.satSec }),
    );
    const fixed = await gen.call<LoadResult>('rate', {
      ...spec,
      connections: 64,
      durationSec: cfg.rateSec,
      rate: cfg.rate,
    });
    baseline = {
      perSecond: sat.value.perSecond,
      p50: fixed.latency.p50,
      p99: fixed.latency.p99,
      cpuPerMessageUs: (sat.cpuSeconds / Math.max(1, sat.value.ok)) * 1e6,
    };
  } finally {
    await bare.stop();
    await gen.stop();
  }

  ctx.details.cluster = { config: cfg, topologies, baseline };
  const rows: Row[] = [];
  const [one, three] = topologies as [Topology, Topology];
  for (const t of topologies) {
    const label = `${t.nodes} node${t.nodes > 1 ? 's' : ''}`;
    const notes = [
      `node CPU ${Math.round(t.nodeCpuShare * 100)}% of one core (sum of ${t.nodes} process${t.nodes > 1 ? 'es' : ''}), PostgreSQL backends ${round(t.pgCpuSeconds, 1)} CPU s over the phase`,
      `lock waits: mean ${round(t.locks.meanShare * 100, 1)}% of ${round(t.locks.meanBackends, 1)} backends, at most ${t.locks.maxWaiting} (${
        Object.entries(t.locks.events)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ') || 'none'
      }) over ${t.locks.samples} samples`,
    ];
    if (t.saturation.errors || t.fixed.errors || t.fixed.dropped || t.fixed.unfinished)
      notes.push(
        `${t.saturation.errors} errors at saturation; at ${cfg.rate}/s ${t.fixed.errors} errors, ${t.fixed.dropped} not sent, ${t.fixed.unfinished} unanswered${t.saturation.firstError ? ` — ${t.saturation.firstError}` : ''}`,
      );
    rows.push(
      row(
        {
          store: s,
          scenario,
          metric: `one app through ${label}: saturation`,
          unit: 'msg/s',
          note: notes.join('; '),
        },
        t.saturation.perSecond,
        baseline.perSecond,
      ),
      row(
        { store: s, scenario, metric: `${label}: p50 @ ${cfg.rate}/s`, unit: 'ms' },
        t.fixed.p50,
        baseline.p50,
      ),
      row(
        { store: s, scenario, metric: `${label}: p99 @ ${cfg.rate}/s`, unit: 'ms' },
        t.fixed.p99,
        baseline.p99,
      ),
      row(
        { store: s, scenario, metric: `${label}: node CPU per message at saturation`, unit: 'µs' },
        t.nodeCpuPerMessageUs,
        baseline.cpuPerMessageUs,
      ),
      row(
        { store: s, scenario, metric: `${label}: PostgreSQL CPU per message at saturation`, unit: 'µs' },
        t.pgCpuPerMessageUs,
        null,
      ),
      row(
        { store: s, scenario, metric: `${label}: backends waiting on locks at saturation`, unit: '%' },
        t.locks.meanShare * 100,
        null,
      ),
    );
  }
  rows.push(
    row(
      { store: s, scenario, metric: 'saturation through 3 nodes ÷ through 1 node (target ≥ 1)', unit: '×' },
      three.saturation.perSecond / one.saturation.perSecond,
      null,
    ),
  );
  return rows;
}
