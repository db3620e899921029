import { startWorker } from '../lib/proc.ts';
import { type Row, row, unavailable } from '../lib/report.ts';
import {
  createAgents,
  createApp,
  createChats,
  createUsers,
  mapLimit,
  realtimeAvailable,
  startSwitchboard,
} from '../lib/switchboard.ts';
import { LOAD, phase, plain, type ScenarioContext } from './context.ts';

interface RunResult {
  sent: number;
  received: number;
  lost: number;
  duplicates: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  acks: { ackOk: number; ackErrors: number; firstError: string; unexpectedClose: number };
}

/**
 * Realtime end to end: N chats, each with its end user's socket and its agent's socket; messages sent
 * over the sockets at a fixed total rate; latency from send to the other participant's receipt — vs a
 * bare `ws` relay that acknowledges and forwards the same frames.
 */
export async function realtime(ctx: ScenarioContext): Promise<Row[]> {
  const cfg = ctx.quick
    ? { chats: 100, rate: 2000, warmSec: 1, durationSec: 3 }
    : { chats: 1000, rate: 2000, warmSec: 3, durationSec: 20 };
  const s = ctx.store;
  const scenario = 'realtime';

  ctx.log(`realtime: Switchboard, ${cfg.chats} chats`);
  const server = await startSwitchboard({ store: s, profileDir: ctx.profileDir });
  let ours: RunResult;
  const cpu = { ours: 0, base: 0, oursSeconds: 0, baseSeconds: 0, generator: 0, generatorBare: 0 };
  let connect: { opened: number; failed: number; firstError?: string; seconds: number };
  try {
    const app = await createApp(server, { assign: { onCreate: false } });
    const users = await createUsers(app, cfg.chats);
    const probe = await realtimeAvailable(server, app, users[0]!.token);
    if (!probe.ok) return [unavailable(s, scenario, probe.why)];
    const agents = await createAgents(app, cfg.chats);
    const chats = await createChats(server, app, users);
    await mapLimit(chats, 16, (chatId, i) =>
      app.api.request('POST', `/chats/${chatId}/join`, { userId: agents[i]!.id }),
    );
    const ws = `${server.url.replace('http', 'ws')}/v1/ws?appId=${app.appId}&token=`;
    const gen = startWorker(LOAD.realtime, { maxSeconds: 600 });
    try {
      connect = await gen.call('pairs', {
        pairs: chats.map((chatId, i) => ({
          chatId,
          userUrl: ws + encodeURIComponent(users[i]!.token),
          agentUrl: ws + encodeURIComponent(agents[i]!.token),
        })),
      });
      if (connect.failed > 0) ctx.log(`realtime: ${connect.failed} sockets failed: ${connect.firstError}`);
      ctx.log(
        `realtime: ${connect.opened} sockets in ${connect.seconds.toFixed(1)} s; sending ${cfg.rate}/s`,
      );
      const measured = await phase(
        ctx,
        server,
        'realtime',
        () =>
          gen.call<RunResult>('run', { rate: cfg.rate, durationSec: cfg.durationSec, warmSec: cfg.warmSec }),
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

  ctx.log('realtime: bare ws relay');
  const bare = startWorker(LOAD.bare, { maxSeconds: 300 });
  let base: RunResult;
  try {
    const port = await bare.call<number>('listen');
    const gen = startWorker(LOAD.realtime, { maxSeconds: 300 });
    try {
      const ws = `ws://127.0.0.1:${port}/ws`;
      await gen.call('pairs', {
        pairs: Array.from({ length: cfg.chats }, (_, i) => ({
          chatId: `c${i}`,
          userUrl: `${ws}?pair=${i}&role=user`,
          agentUrl: `${ws}?pair=${i}&role=agent`,
        })),
      });
      const measured = await phase(
        ctx,
        plain(bare.pid),
        'realtime-bare',
        () =>
          gen.call<RunResult>('run', { rate: cfg.rate, durationSec: cfg.durationSec, warmSec: cfg.warmSec }),
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

  ctx.details.realtime = { config: cfg, connect, ours, baseline: base, serverCpu: cpu };
  const label = `@ ${cfg.rate}/s, ${cfg.chats} chats`;
  const notes = [
    `server CPU ${Math.round(cpu.ours * 100)}% of one core (bare ${Math.round(cpu.base * 100)}%), load generator ${Math.round(cpu.generator * 100)}% (${Math.round(cpu.generatorBare * 100)}%)`,
    `${ours.received}/${ours.sent} received by the other participant, ${ours.lost} not within 5 s of the end, ${ours.duplicates} duplicated; acks ${ours.acks.ackOk} ok, ${ours.acks.ackErrors} errors${ours.acks.firstError ? ` (${ours.acks.firstError})` : ''}`,
  ];
  if (connect.failed)
    notes.push(`${connect.failed} of ${cfg.chats * 2} sockets failed to connect (${connect.firstError})`);
  return [
    row(
      { store: s, scenario, metric: `p50 ${label}`, unit: 'ms', note: notes.join('; ') },
      ours.latency.p50,
      base.latency.p50,
    ),
    row({ store: s, scenario, metric: `p95 ${label}`, unit: 'ms' }, ours.latency.p95, base.latency.p95),
    row({ store: s, scenario, metric: `p99 ${label}`, unit: 'ms' }, ours.latency.p99, base.latency.p99, {
      op: '<',
      value: 15,
    }),
    row(
      { store: s, scenario, metric: 'server CPU per message (acknowledged)', unit: 'µs' },
      (cpu.oursSeconds / Math.max(1, ours.acks.ackOk + ours.acks.ackErrors)) * 1e6,
      (cpu.baseSeconds / Math.max(1, base.acks.ackOk + base.acks.ackErrors)) * 1e6,
    ),
    row(
      { store: s, scenario, metric: `delivered ${label}`, unit: '%' },
      (100 * ours.received) / ours.sent,
      (100 * base.received) / base.sent,
    ),
  ];
}
