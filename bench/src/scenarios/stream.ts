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
import { LOAD, phase, type ScenarioContext } from './context.ts';

interface RealtimeRun {
  sent: number;
  received: number;
  lost: number;
  duplicates: number;
  startEpoch: number;
  latency: { p50: number; p95: number; p99: number; max: number };
  acks: { ackOk: number; ackErrors: number; firstError: string; unexpectedClose: number };
}

interface StreamRun {
  streams: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  unexpectedClose: number;
  latency: { p50: number; p95: number; p99: number; max: number };
}

interface Replay {
  replayed: number;
  frames: number;
  seconds: number;
  perSecond: number;
}

/**
 * The event stream beside the realtime gateway, in one run: the realtime scenario's traffic (N chats,
 * messages sent over user and agent sockets at a fixed rate, open loop) with event streams
 * (`/v1/stream?events=messages:new`, the app secret) connected meanwhile. For each message, the
 * latency from its due time to its frame on each stream, beside the latency to the other participant's
 * `/v1/ws` socket in the same run (the gateway's figure; the send side includes the commit, so both
 * bound commit → frame from above). Then events/s of a replay: a stream reconnecting with the cursor
 * from before the traffic, beside an app-secret `/v1/ws` socket resuming from the same cursor.
 */
export async function stream(ctx: ScenarioContext): Promise<Row[]> {
  const cfg = ctx.quick
    ? { chats: 100, rate: 2000, warmSec: 1, durationSec: 3, streams: 1 }
    : { chats: 1000, rate: 2000, warmSec: 3, durationSec: 20, streams: 2 };
  const s = ctx.store;
  const scenario = 'stream';

  ctx.log(`stream: Switchboard, ${cfg.chats} chats, ${cfg.streams} event stream(s)`);
  const server = await startSwitchboard({ store: s, profileDir: ctx.profileDir });
  let gateway: RealtimeRun;
  let streamed: StreamRun;
  let replayStream: Replay;
  let replayWs: Replay;
  let cpu = 0;
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
    const base = server.url.replace('http', 'ws');
    const headers = { 'x-hyper-appid': app.appId, 'x-hyper-secret': app.secret };
    const streamGen = startWorker(LOAD.stream, { maxSeconds: 600 });
    const gen = startWorker(LOAD.realtime, { maxSeconds: 600 });
    try {
      const opened = await streamGen.call<{ opened: number; cursor: string }>('open', {
        urls: Array.from({ length: cfg.streams }, () => `${base}/v1/stream?events=messages:new`),
        headers,
      });
      const ws = `${base}/v1/ws?appId=${app.appId}&token=`;
      const connect = await gen.call<{ opened: number; failed: number; firstError?: string }>('pairs', {
        pairs: chats.map((chatId, i) => ({
          chatId,
          userUrl: ws + encodeURIComponent(users[i]!.token),
          agentUrl: ws + encodeURIComponent(agents[i]!.token),
        })),
      });
      if (connect.failed > 0) ctx.log(`stream: ${connect.failed} sockets failed: ${connect.firstError}`);
      ctx.log(`stream: ${connect.opened} sockets and ${opened.opened} stream(s); sending ${cfg.rate}/s`);
      const measured = await phase(
        ctx,
        server,
        'stream',
        () =>
          gen.call<RealtimeRun>('run', {
            rate: cfg.rate,
            durationSec: cfg.durationSec,
            warmSec: cfg.warmSec,
          }),
        gen.pid,
      );
      gateway = measured.value;
      cpu = measured.cpu;
      const warm = Math.round(cfg.rate * cfg.warmSec);
      streamed = await streamGen.call<StreamRun>('collect', {
        startEpoch: gateway.startEpoch,
        rate: cfg.rate,
        warm,
        total: warm + gateway.sent,
      });
      await gen.call('close');
      await streamGen.call('close');
      const cursor = encodeURIComponent(opened.cursor);
      ctx.log('stream: replays from the cursor before the traffic');
      // Alternately, twice each, the best of each: neither side gets the colder cache.
      const runs: Array<{ stream: Replay; ws: Replay }> = [];
      for (let round = 0; round < 2; round++) {
        runs.push({
          stream: await streamGen.call<Replay>('replay', {
            url: `${base}/v1/stream?cursor=${cursor}`,
            headers,
          }),
          ws: await streamGen.call<Replay>('replay', {
            url: `${base}/v1/ws?appId=${app.appId}&secret=${encodeURIComponent(app.secret)}&cursor=${cursor}`,
            headers: {},
          }),
        });
      }
      const best = (pick: (r: { stream: Replay; ws: Replay }) => Replay) =>
        runs.map(pick).reduce((x, y) => (y.perSecond > x.perSecond ? y : x));
      replayStream = best((r) => r.stream);
      replayWs = best((r) => r.ws);
    } finally {
      await gen.stop();
      await streamGen.stop();
    }
  } finally {
    await server.stop();
  }

  ctx.details.stream = { config: cfg, gateway, streamed, replayStream, replayWs, serverCpu: cpu };
  const label = `@ ${cfg.rate}/s, ${cfg.chats} chats`;
  const notes = [
    `baseline column: the realtime gateway in the same run (message due → the other participant's /v1/ws socket)`,
    `${streamed.received}/${streamed.expected} frames on ${streamed.streams} stream(s), ${streamed.lost} missing, ${streamed.duplicates} duplicated, ${streamed.outOfOrder} out of order, ${streamed.unexpectedClose} unexpected closes`,
    `server CPU ${Math.round(cpu * 100)}% of one core`,
  ];
  return [
    row(
      { store: s, scenario, metric: `p50 due → stream frame ${label}`, unit: 'ms', note: notes.join('; ') },
      streamed.latency.p50,
      gateway.latency.p50,
    ),
    row(
      { store: s, scenario, metric: `p95 due → stream frame ${label}`, unit: 'ms' },
      streamed.latency.p95,
      gateway.latency.p95,
    ),
    row(
      { store: s, scenario, metric: `p99 due → stream frame ${label}`, unit: 'ms' },
      streamed.latency.p99,
      gateway.latency.p99,
    ),
    row(
      { store: s, scenario, metric: `delivered ${label}`, unit: '%' },
      (100 * streamed.received) / Math.max(1, streamed.expected),
      (100 * gateway.received) / Math.max(1, gateway.sent),
    ),
    row(
      {
        store: s,
        scenario,
        metric: `replay events/s (${replayStream.frames} events, best of 2)`,
        unit: '/s',
        note: `baseline column: an app-secret /v1/ws socket resuming from the same cursor (${replayWs.frames} events)`,
      },
      replayStream.perSecond,
      replayWs.perSecond,
    ),
  ];
}
