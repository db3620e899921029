import { DatabaseSync } from 'node:sqlite';
import { sleep, startWorker, type Worker } from '../lib/proc.ts';
import { type Row, row, unavailable } from '../lib/report.ts';
import { type Latency, wallNow } from '../lib/stats.ts';
import {
  createAgents,
  createApp,
  createChats,
  createUsers,
  mapLimit,
  realtimeAvailable,
  startSwitchboard,
} from '../lib/switchboard.ts';
import type { LoadResult } from '../load/http.ts';
import { LOAD, MESSAGE_BODY, phase, plain, type ScenarioContext } from './context.ts';

interface RunResult {
  sent: number;
  received: number;
  lost: number;
  duplicates: number;
  latency: Latency;
  acks: { ackOk: number; ackErrors: number; firstError: string; unexpectedClose: number };
}

interface ReceiverStats {
  count: number;
  duplicates: number;
  unsigned: number;
  latency: Latency;
}

/** Waits until the receiver has `expected` distinct deliveries on `prefix`, or `maxSec` passed. */
async function drain(
  receiver: Worker,
  prefix: string,
  expected: () => number,
  maxSec: number,
): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const stats = await receiver.call<ReceiverStats>('stats', { prefix });
    const distinct = stats.count - stats.duplicates;
    if (distinct >= expected() || Date.now() - t0 > maxSec * 1000) return (Date.now() - t0) / 1000;
    await sleep(100);
  }
}

/**
 * One embedded node doing everything at once (issue 15): 1,000 messages/s over 500 chats — half sent
 * on the participants' sockets (realtime latency: send → the other participant's socket), half over
 * REST with a send stamp (webhook latency: the POST that commits the event → its first delivery
 * attempt at a local receiver) — with one webhook on `messages:new` taking every message, and every
 * message accounted for: heard by the other participant, and delivered (distinct webhook-ids against
 * the outbox's messages:new rows). Beside the bare baseline: the bare `ws` relay and Fastify route at
 * the same mix, and a bare undici POST at the same rate to the same receiver.
 */
export async function mixed(ctx: ScenarioContext): Promise<Row[]> {
  const s = ctx.store;
  const scenario = 'mixed';
  if (s !== 'sqlite')
    return [
      unavailable(
        s,
        scenario,
        "the embedded store's scenario (one node using both cores); PostgreSQL scale-out is measured by the cluster scenario",
      ),
    ];
  const cfg = ctx.quick
    ? { chats: 250, rate: 1000, warmSec: 1, durationSec: 4, drainMaxSec: 20 }
    : { chats: 500, rate: 1000, warmSec: 3, durationSec: 20, drainMaxSec: 60 };
  const half = cfg.rate / 2;
  // The REST half is the chats' end users posting: each on a connection of its own, as independent
  // users are. A pool of 32 shared connections capped the half at 32 ÷ latency requests/s: once the
  // server took over 64 ms, requests queued in the load generator, and both the REST and the webhook
  // latency (counted from the due time) measured that queue rather than the server.
  const label = `@ ${cfg.rate}/s, ${cfg.chats} chats, 1 webhook`;
  const receiver = startWorker(LOAD.receiver, { maxSeconds: 600 });
  const rt = startWorker(LOAD.realtime, { maxSeconds: 600 });
  const http = startWorker(LOAD.http, { maxSeconds: 600 });
  try {
    const receiverUrl = `http://127.0.0.1:${await receiver.call<number>('listen')}`;

    ctx.log(`mixed: Switchboard, ${cfg.chats} chats, ${cfg.rate} msg/s, 1 webhook`);
    const server = await startSwitchboard({
      store: s,
      profileDir: ctx.profileDir,
      env: { SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8' },
    });
    let ours: {
      realtime: RunResult;
      rest: LoadResult;
      webhook: ReceiverStats;
      expected: number;
      drainSeconds: number;
      cpu: number;
    };
    try {
      const app = await createApp(server, { assign: { onCreate: false } });
      await app.api.request('POST', '/webhooks', {
        target: `${receiverUrl}/mixed`,
        events: ['messages:new'],
      });
      const users = await createUsers(app, cfg.chats);
      const probe = await realtimeAvailable(server, app, users[0]!.token);
      if (!probe.ok) return [unavailable(s, scenario, probe.why)];
      const agents = await createAgents(app, cfg.chats);
      const chats = await createChats(server, app, users);
      await mapLimit(chats, 16, (chatId, i) =>
        app.api.request('POST', `/chats/${chatId}/join`, { userId: agents[i]!.id }),
      );
      const ws = `${server.url.replace('http', 'ws')}/v1/ws?appId=${app.appId}&token=`;
      const connect = await rt.call<{ opened: number; failed: number; firstError?: string }>('pairs', {
        pairs: chats.map((chatId, i) => ({
          chatId,
          userUrl: ws + encodeURIComponent(users[i]!.token),
          agentUrl: ws + encodeURIComponent(agents[i]!.token),
        })),
      });
      if (connect.failed > 0) ctx.log(`mixed: ${connect.failed} sockets failed: ${connect.firstError}`);
      await receiver.call('reset');
      const stampFrom = wallNow() + cfg.warmSec * 1000;
      const measured = await phase(
        ctx,
        server,
        'mixed',
        () =>
          Promise.all([
            rt.call<RunResult>('run', { rate: half, durationSec: cfg.durationSec, warmSec: cfg.warmSec }),
            http.call<LoadResult>('rate', {
              url: server.url,
              body: MESSAGE_BODY,
              targets: chats.map((id, i) => ({
                path: `/v1/chats/${id}/messages`,
                headers: { 'x-hyper-appid': app.appId, 'x-hyper-token': users[i]!.token },
              })),
              connections: cfg.chats,
              rate: half,
              durationSec: cfg.durationSec,
              warmSec: cfg.warmSec,
            }),
          ]),
        rt.pid,
      );
      const [realtime, rest] = measured.value;
      // Every message the store committed must reach the webhook: count them in the outbox.
      const db = new DatabaseSync(server.sqlitePath!, { readOnly: true });
      const committed = () =>
        Number(
          (
            db.prepare("select count(*) as n from events where trigger = 'messages:new'").get() as {
              n: number;
            }
          ).n,
        );
      let expected = 0;
      const drainSeconds = await drain(
        receiver,
        '/mixed',
        () => {
          expected = committed();
          return expected;
        },
        cfg.drainMaxSec,
      );
      db.close();
      const webhook = await receiver.call<ReceiverStats>('stats', { prefix: '/mixed', stampFrom });
      await rt.call('close');
      ours = { realtime, rest, webhook, expected, drainSeconds, cpu: measured.cpu };
    } finally {
      await server.stop();
    }

    ctx.log('mixed: bare ws relay + Fastify route, and a bare POST to the receiver');
    const bare = startWorker(LOAD.bare, { maxSeconds: 300 });
    let base: { realtime: RunResult; rest: LoadResult; post: ReceiverStats; cpu: number };
    try {
      const port = await bare.call<number>('listen');
      const wsBase = `ws://127.0.0.1:${port}/ws`;
      await rt.call('pairs', {
        pairs: Array.from({ length: cfg.chats }, (_, i) => ({
          chatId: `c${i}`,
          userUrl: `${wsBase}?pair=${i}&role=user`,
          agentUrl: `${wsBase}?pair=${i}&role=agent`,
        })),
      });
      await receiver.call('reset');
      const stampFrom = wallNow() + cfg.warmSec * 1000;
      const measured = await phase(
        ctx,
        plain(bare.pid),
        'mixed-bare',
        () =>
          Promise.all([
            rt.call<RunResult>('run', { rate: half, durationSec: cfg.durationSec, warmSec: cfg.warmSec }),
            http.call<LoadResult>('rate', {
              url: `http://127.0.0.1:${port}`,
              body: MESSAGE_BODY,
              targets: Array.from({ length: cfg.chats }, (_, i) => ({
                path: `/v1/chats/c${i}/messages`,
                headers: { 'x-hyper-appid': 'app', 'x-hyper-token': 'token' },
              })),
              connections: cfg.chats,
              rate: half,
              durationSec: cfg.durationSec,
              warmSec: cfg.warmSec,
            }),
            // What a delivery costs at its barest: a POST of the message to the same receiver.
            http.call<LoadResult>('rate', {
              url: receiverUrl,
              targets: [{ path: '/bare', headers: {} }],
              body: MESSAGE_BODY,
              connections: 32,
              rate: cfg.rate,
              durationSec: cfg.durationSec,
              warmSec: cfg.warmSec,
              expectStatus: 200,
            }),
          ]),
        rt.pid,
      );
      const [realtime, rest] = measured.value;
      const post = await receiver.call<ReceiverStats>('stats', { prefix: '/bare', stampFrom });
      await rt.call('close');
      base = { realtime, rest, post, cpu: measured.cpu };
    } finally {
      await bare.stop();
    }

    ctx.details.mixed = { config: cfg, ours, baseline: base };
    const delivered = ours.webhook.count - ours.webhook.duplicates;
    const lostWebhook = Math.max(0, ours.expected - delivered);
    const notes = [
      `server CPU ${Math.round(ours.cpu * 100)}% of one core (bare ${Math.round(base.cpu * 100)}%)`,
      `realtime: ${ours.realtime.received}/${ours.realtime.sent} socket messages heard by the other participant, ${ours.realtime.lost} lost, ${ours.realtime.duplicates} duplicated; acks ${ours.realtime.acks.ackOk} ok, ${ours.realtime.acks.ackErrors} errors`,
      `REST: ${ours.rest.ok} ok, ${ours.rest.errors} errors, ${ours.rest.dropped ?? 0} not sent, p99 ${ours.rest.latency.p99.toFixed(1)} ms (bare ${base.rest.latency.p99.toFixed(1)} ms)`,
      `webhook: ${delivered} of ${ours.expected} committed messages delivered (${ours.webhook.duplicates} repeats), the last ${ours.drainSeconds.toFixed(1)} s after the load ended; latency from the REST half's send stamp (so it includes that request)`,
    ];
    return [
      row(
        {
          store: s,
          scenario,
          metric: `realtime p50 send → socket ${label}`,
          unit: 'ms',
          note: notes.join('; '),
        },
        ours.realtime.latency.p50,
        base.realtime.latency.p50,
      ),
      row(
        { store: s, scenario, metric: `realtime p99 send → socket ${label}`, unit: 'ms' },
        ours.realtime.latency.p99,
        base.realtime.latency.p99,
        { op: '<', value: 25 },
      ),
      row(
        { store: s, scenario, metric: `webhook p50 commit → delivery ${label}`, unit: 'ms' },
        ours.webhook.latency.p50,
        base.post.latency.p50,
      ),
      row(
        { store: s, scenario, metric: `webhook p99 commit → delivery ${label}`, unit: 'ms' },
        ours.webhook.latency.p99,
        base.post.latency.p99,
        { op: '<', value: 100 },
      ),
      row(
        { store: s, scenario, metric: 'messages lost (socket + webhook)', unit: 'msgs' },
        ours.realtime.lost + lostWebhook,
        base.realtime.lost,
        { op: '<=', value: 0 },
      ),
    ];
  } finally {
    await Promise.all([receiver.stop(), rt.stop(), http.stop()]);
  }
}
