import { startWorker } from '../lib/proc.ts';
import { type Row, row, unavailable } from '../lib/report.ts';
import type { Latency } from '../lib/stats.ts';
import {
  createAgents,
  createApp,
  createUsers,
  mapLimit,
  realtimeAvailable,
  startSwitchboard,
} from '../lib/switchboard.ts';
import { LOAD, phase, plain, type ScenarioContext } from './context.ts';

interface RouteResult {
  chats: number;
  invitations: number;
  measured: number;
  missing: number;
  createErrors: number;
  firstCreateError?: string;
  accepted: number;
  acceptErrors: number;
  closed: number;
  latency: Latency;
  create: Latency;
  acks: { ackOk: number; ackErrors: number; firstError: string };
}

/**
 * Routing: chat created → `invitations:new` received by an agent over its WebSocket, with 200 agents
 * online and 100 chats/s (each invited agent accepts, then closes the chat after a second, so agents
 * free up and the run is a steady state) — vs a bare Fastify + ws server that pushes the invitation
 * from the POST handler.
 */
export async function routing(ctx: ScenarioContext): Promise<Row[]> {
  const cfg = ctx.quick
    ? { agents: 50, rate: 100, warmSec: 1, durationSec: 3, holdMs: 1000, maxChats: 10 }
    : { agents: 200, rate: 100, warmSec: 2, durationSec: 20, holdMs: 1000, maxChats: 5 };
  const s = ctx.store;
  const scenario = 'routing';
  const total = cfg.rate * (cfg.warmSec + cfg.durationSec);
  const warm = cfg.rate * cfg.warmSec;

  ctx.log(`routing: Switchboard, ${cfg.agents} agents`);
  const server = await startSwitchboard({ store: s, profileDir: ctx.profileDir });
  let ours: RouteResult;
  const cpu = { ours: 0, base: 0, oursSeconds: 0, baseSeconds: 0, generator: 0, generatorBare: 0 };
  try {
    const app = await createApp(server, {
      assign: { onCreate: true, maxChatsPerAgent: cfg.maxChats, timeout: 30 },
    });
    const users = await createUsers(app, total, 32);
    const probe = await realtimeAvailable(server, app, users[0]!.token);
    if (!probe.ok)
      return [
        unavailable(
          s,
          scenario,
          `${probe.why}; the invitation's receipt needs the WebSocket (polling GET /invitations would measure the poll interval)`,
        ),
      ];
    const agents = await createAgents(app, cfg.agents);
    await mapLimit(agents, 16, (agent) =>
      app.api.request('PUT', `/agents/${agent.id}`, { status: 'online' }),
    );
    const ws = `${server.url.replace('http', 'ws')}/v1/ws?appId=${app.appId}&token=`;
    const gen = startWorker(LOAD.realtime, { maxSeconds: 600 });
    try {
      const connected = await gen.call<{ opened: number; failed: number; firstError?: string }>('agents', {
        urls: agents.map((a) => ws + encodeURIComponent(a.token)),
      });
      if (connected.failed)
        throw new Error(`${connected.failed} agent sockets failed: ${connected.firstError}`);
      ctx.log(`routing: ${cfg.rate} chats/s for ${cfg.warmSec + cfg.durationSec} s`);
      const measured = await phase(
        ctx,
        server,
        'routing',
        () =>
          gen.call<RouteResult>('route', {
            url: server.url,
            appId: app.appId,
            tokens: users.map((u) => u.token),
            rate: cfg.rate,
            warm,
            respond: true,
            holdMs: cfg.holdMs,
          }),
        gen.pid,
      );
      ours = measured.value;
      cpu.ours = measured.cpu;
      cpu.generator = measured.generatorCpu;
      cpu.oursSeconds = measured.cpuSeconds;
      await gen.call('close');
    } finally {
      await gen.stop();
    }
  } finally {
    await server.stop();
  }

  ctx.log('routing: bare Fastify + ws push');
  const bare = startWorker(LOAD.bare, { maxSeconds: 300 });
  let base: RouteResult;
  try {
    const port = await bare.call<number>('listen');
    const gen = startWorker(LOAD.realtime, { maxSeconds: 300 });
    try {
      await gen.call('agents', {
        urls: Array.from({ length: cfg.agents }, () => `ws://127.0.0.1:${port}/ws?role=agent`),
      });
      const measured = await phase(
        ctx,
        plain(bare.pid),
        'routing-bare',
        () =>
          gen.call<RouteResult>('route', {
            url: `http://127.0.0.1:${port}`,
            appId: 'app',
            tokens: Array.from({ length: total }, (_, i) => `t${i}`),
            rate: cfg.rate,
            warm,
            respond: false,
            holdMs: 0,
          }),
        gen.pid,
      );
      base = measured.value;
      cpu.base = measured.cpu;
      cpu.generatorBare = measured.generatorCpu;
      cpu.baseSeconds = measured.cpuSeconds;
      await gen.call('close');
    } finally {
      await gen.stop();
    }
  } finally {
    await bare.stop();
  }

  ctx.details.routing = { config: cfg, ours, baseline: base, serverCpu: cpu };
  const note = `server CPU ${Math.round(cpu.ours * 100)}% of one core (bare ${Math.round(cpu.base * 100)}%), load generator ${Math.round(cpu.generator * 100)}% (${Math.round(cpu.generatorBare * 100)}%); ${ours.measured}/${ours.chats} measured chats got their invitation (${ours.missing} none within 5 s, ${ours.createErrors} create errors${ours.firstCreateError ? `: ${ours.firstCreateError}` : ''}); ${ours.accepted} accepted (${ours.acceptErrors} refused), ${ours.closed} closed; latency counts from the POST /chats being due, so it includes that request (its own p50 ${ours.create.p50.toFixed(1)} ms, p99 ${ours.create.p99.toFixed(1)} ms)`;
  const label = `@ ${cfg.rate} chats/s, ${cfg.agents} agents`;
  return [
    row(
      { store: s, scenario, metric: `p50 created → invitation ${label}`, unit: 'ms', note },
      ours.latency.p50,
      base.latency.p50,
    ),
    row(
      { store: s, scenario, metric: `p99 created → invitation ${label}`, unit: 'ms' },
      ours.latency.p99,
      base.latency.p99,
      { op: '<', value: 25 },
    ),
    row(
      { store: s, scenario, metric: 'server CPU per chat (create, invite, accept, close)', unit: 'µs' },
      (cpu.oursSeconds / Math.max(1, ours.invitations)) * 1e6,
      (cpu.baseSeconds / Math.max(1, base.invitations)) * 1e6,
    ),
  ];
}
