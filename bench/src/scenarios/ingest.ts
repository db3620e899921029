import { startWorker } from '../lib/proc.ts';
import { type Row, row } from '../lib/report.ts';
import { createApp, createChats, createUsers, startSwitchboard } from '../lib/switchboard.ts';
import type { LoadResult, LoadSpec } from '../load/http.ts';
import { LOAD, MESSAGE_BODY, phase, plain, type ScenarioContext } from './context.ts';

/**
 * Message ingest: POST /v1/chats/{id}/messages as the chat's end user (token auth, validation, store
 * write and event row) vs a bare Fastify route that parses the same JSON and answers 201.
 */
export async function ingest(ctx: ScenarioContext): Promise<Row[]> {
  const cfg = ctx.quick
    ? { chats: 50, connections: 32, warmSec: 1, satSec: 3, rate: 2000, rateSec: 3 }
    : { chats: 200, connections: 32, warmSec: 5, satSec: 20, rate: 2000, rateSec: 20 };
  const phases = async (
    spec: Omit<LoadSpec, 'durationSec' | 'connections'>,
    target: Parameters<typeof phase>[1],
  ) => {
    const gen = startWorker(LOAD.http, { maxSeconds: 300 });
    try {
      await gen.call('saturate', { ...spec, connections: cfg.connections, durationSec: cfg.warmSec });
      const saturation = await phase(ctx, target, 'ingest-saturation', () =>
        gen.call<LoadResult>('saturate', { ...spec, connections: cfg.connections, durationSec: cfg.satSec }),
      );
      const fixed = await phase(ctx, target, 'ingest-fixed-rate', () =>
        gen.call<LoadResult>('rate', { ...spec, connections: 64, durationSec: cfg.rateSec, rate: cfg.rate }),
      );
      return {
        saturation: saturation.value,
        fixed: fixed.value,
        serverCpu: saturation.cpu,
        serverCpuFixed: fixed.cpu,
        /** Server CPU time per message at saturation: steadier than msg/s when the machine is shared. */
        cpuPerMessageUs: (saturation.cpuSeconds / Math.max(1, saturation.value.ok)) * 1e6,
      };
    } finally {
      await gen.stop();
    }
  };

  ctx.log('ingest: Switchboard');
  const server = await startSwitchboard({ store: ctx.store, profileDir: ctx.profileDir });
  let ours: Awaited<ReturnType<typeof phases>>;
  try {
    const app = await createApp(server, { assign: { onCreate: false } });
    const users = await createUsers(app, cfg.chats);
    const chats = await createChats(server, app, users);
    ours = await phases(
      {
        url: server.url,
        body: MESSAGE_BODY,
        targets: chats.map((id, i) => ({
          path: `/v1/chats/${id}/messages`,
          headers: { 'x-hyper-appid': app.appId, 'x-hyper-token': users[i]!.token },
        })),
      },
      server,
    );
  } finally {
    await server.stop();
  }

  ctx.log('ingest: bare Fastify');
  const bare = startWorker(LOAD.bare, { maxSeconds: 300 });
  let base: Awaited<ReturnType<typeof phases>>;
  try {
    const port = await bare.call<number>('listen');
    base = await phases(
      {
        url: `http://127.0.0.1:${port}`,
        body: MESSAGE_BODY,
        targets: Array.from({ length: cfg.chats }, (_, i) => ({
          path: `/v1/chats/c${i}/messages`,
          headers: { 'x-hyper-appid': 'app', 'x-hyper-token': 'token' },
        })),
      },
      plain(bare.pid),
    );
  } finally {
    await bare.stop();
  }

  ctx.details.ingest = { config: cfg, ours, baseline: base };
  const s = ctx.store;
  const scenario = 'ingest';
  const notes: string[] = [];
  const f = ours.fixed;
  if (ours.saturation.errors || f.errors || f.dropped || f.unfinished)
    notes.push(
      `Switchboard: ${ours.saturation.errors} errors at saturation; at ${cfg.rate}/s ${f.ok} answered, ${f.errors} errors, ${f.dropped ?? 0} not sent (over ${cfg.rate * 2} in flight), ${f.unfinished ?? 0} unanswered 5 s after the end (counted with the time waited)${(ours.saturation.firstError ?? f.firstError) ? ` — ${ours.saturation.firstError ?? f.firstError}` : ''}`,
    );
  notes.push(
    `server CPU: ${Math.round(ours.serverCpu * 100)}% of one core at saturation, ${Math.round(ours.serverCpuFixed * 100)}% at ${cfg.rate}/s (bare: ${Math.round(base.serverCpu * 100)}%, ${Math.round(base.serverCpuFixed * 100)}%)`,
  );
  return [
    row(
      { store: s, scenario, metric: 'saturation', unit: 'msg/s', note: notes.join('; ') },
      ours.saturation.perSecond,
      base.saturation.perSecond,
      { op: '>=', value: 5000 },
    ),
    row(
      { store: s, scenario, metric: 'server CPU per message at saturation', unit: 'µs' },
      ours.cpuPerMessageUs,
      base.cpuPerMessageUs,
    ),
    row(
      { store: s, scenario, metric: `p50 @ ${cfg.rate}/s`, unit: 'ms' },
      ours.fixed.latency.p50,
      base.fixed.latency.p50,
    ),
    row(
      { store: s, scenario, metric: `p95 @ ${cfg.rate}/s`, unit: 'ms' },
      ours.fixed.latency.p95,
      base.fixed.latency.p95,
    ),
    row(
      { store: s, scenario, metric: `p99 @ ${cfg.rate}/s`, unit: 'ms' },
      ours.fixed.latency.p99,
      base.fixed.latency.p99,
      { op: '<', value: 20 },
    ),
  ];
}
