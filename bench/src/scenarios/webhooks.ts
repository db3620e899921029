import { sleep, startWorker, type Worker } from '../lib/proc.ts';
import { type Row, row, unavailable } from '../lib/report.ts';
import type { Latency } from '../lib/stats.ts';
import { wallNow } from '../lib/stats.ts';
import { ApiError, createApp, createChats, createUsers, startSwitchboard } from '../lib/switchboard.ts';
import type { LoadResult } from '../load/http.ts';
import { LOAD, MESSAGE_BODY, phase, plain, type ScenarioContext } from './context.ts';

interface ReceiverStats {
  count: number;
  duplicates: number;
  unsigned: number;
  first: number;
  last: number;
  afterCount: number;
  handshakes: number;
  latency: Latency;
}

/** Waits until the receiver has `expected` deliveries on `prefix`, or they stop coming for `idleSec`. */
async function drain(
  receiver: Worker,
  prefix: string,
  expected: number,
  maxSec: number,
  idleSec = 10,
): Promise<void> {
  const deadline = Date.now() + maxSec * 1000;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const { count } = await receiver.call<{ count: number }>('count', { prefix });
    if (count >= expected || Date.now() > deadline) return;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > idleSec * 1000) return;
    await sleep(100);
  }
}

/** The envelope the server sends for a message, of about the same size, for the bare baseline. */
const BARE_BODY = JSON.stringify({
  trigger: 'messages:new',
  appId: 'app_bench0000',
  data: {
    message: {
      id: '01JBENCH0000000000000000000',
      chat: '01JBENCH0000000000000000001',
      sender: '01JBENCH0000000000000000002',
      type: 'text',
      message: JSON.parse(MESSAGE_BODY).message,
      seq: 1,
      created: 1760000000,
    },
  },
  created_at: 1760000000,
});

/**
 * Webhooks: deliveries/s to a local keep-alive receiver at saturation (a backlog of events drained by
 * the dispatcher), and event commit → first attempt latency at 1,000 events/s — vs a bare undici POST
 * loop to the same receiver.
 */
export async function webhooks(ctx: ScenarioContext): Promise<Row[]> {
  const cfg = ctx.quick
    ? {
        chats: 100,
        hooks: 4,
        ingestSec: 2,
        connections: 32,
        rate: 1000,
        warmSec: 1,
        rateSec: 3,
        drainMaxSec: 15,
      }
    : {
        chats: 400,
        hooks: 4,
        ingestSec: 10,
        connections: 32,
        rate: 1000,
        warmSec: 2,
        rateSec: 20,
        drainMaxSec: 120,
      };
  const s = ctx.store;
  const scenario = 'webhooks';
  const receiver = startWorker(LOAD.receiver, { maxSeconds: 900 });
  const cpu = { drain: 0, fixed: 0 };
  const gen = startWorker(LOAD.http, { maxSeconds: 900 });
  try {
    const rport = await receiver.call<number>('listen');
    const receiverUrl = `http://127.0.0.1:${rport}`;

    ctx.log('webhooks: Switchboard');
    const server = await startSwitchboard({
      store: s,
      profileDir: ctx.profileDir,
      env: { SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8' },
    });
    let sat: {
      cpuPerDeliveryUs: number;
      ingest: LoadResult;
      total: ReceiverStats;
      expected: number;
      drainSeconds: number;
      drainRate: number;
      overallRate: number;
    };
    let lat: { ingest: LoadResult; receiver: ReceiverStats; expected: number };
    try {
      const app = await createApp(server, { assign: { onCreate: false } });
      const register = async (path: string) => {
        const created = await app.api.request('POST', '/webhooks', {
          target: `${receiverUrl}${path}`,
          events: ['messages:new'],
        });
        return created.webhook.id as string;
      };
      let hooks: string[];
      try {
        hooks = [await register('/hook/0')];
      } catch (error) {
        if (error instanceof ApiError && error.status === 404)
          return [unavailable(s, scenario, 'POST /v1/webhooks answered 404 (no webhooks in this build)')];
        throw error;
      }
      for (let i = 1; i < cfg.hooks; i++) hooks.push(await register(`/hook/${i}`));
      const users = await createUsers(app, cfg.chats);
      const chats = await createChats(server, app, users);
      const spec = {
        url: server.url,
        body: MESSAGE_BODY,
        targets: chats.map((id, i) => ({
          path: `/v1/chats/${id}/messages`,
          headers: { 'x-hyper-appid': app.appId, 'x-hyper-token': users[i]!.token },
        })),
      };

      // Saturation: ingest as fast as the server takes messages; each is one delivery per webhook. The
      // dispatcher falls behind; the backlog it drains after ingest stops is its saturated rate.
      await receiver.call('reset');
      ctx.log(`webhooks: ingesting for ${cfg.ingestSec} s into ${cfg.hooks} webhooks`);
      const ingest = await gen.call<LoadResult>('saturate', {
        ...spec,
        connections: cfg.connections,
        durationSec: cfg.ingestSec,
      });
      const ingestEnd = wallNow();
      const expected = ingest.ok * cfg.hooks;
      const drained = await phase(ctx, server, 'webhooks-drain', () =>
        drain(receiver, '/hook/', expected, cfg.drainMaxSec),
      );
      cpu.drain = drained.cpu;
      const total = await receiver.call<ReceiverStats>('stats', { prefix: '/hook/', after: ingestEnd });
      const drainSeconds = (total.last - ingestEnd) / 1000;
      sat = {
        ingest,
        total,
        expected,
        drainSeconds,
        drainRate: drainSeconds > 0.5 ? total.afterCount / drainSeconds : Number.NaN,
        cpuPerDeliveryUs: (drained.cpuSeconds / Math.max(1, total.afterCount)) * 1e6,
        overallRate: total.count / ((total.last - total.first) / 1000),
      };
      ctx.log(
        `webhooks: ${total.count}/${expected} delivered, ${total.afterCount} after ingest in ${drainSeconds.toFixed(1)} s`,
      );

      // Latency: one webhook, events at a fixed rate, commit → first attempt.
      for (const id of hooks) await app.api.request('DELETE', `/webhooks/${id}`);
      await register('/lat/0');
      await receiver.call('reset');
      const stampFrom = wallNow() + cfg.warmSec * 1000;
      const fixedPhase = await phase(ctx, server, 'webhooks-fixed-rate', () =>
        gen.call<LoadResult>('rate', {
          ...spec,
          connections: 32,
          rate: cfg.rate,
          durationSec: cfg.rateSec,
          warmSec: cfg.warmSec,
        }),
      );
      const fixed = fixedPhase.value;
      cpu.fixed = fixedPhase.cpu;
      const sent = Math.round(cfg.rate * (cfg.rateSec + cfg.warmSec));
      await drain(receiver, '/lat/', sent - fixed.errors - (fixed.dropped ?? 0), cfg.drainMaxSec, 5);
      lat = {
        ingest: fixed,
        receiver: await receiver.call<ReceiverStats>('stats', { prefix: '/lat/', stampFrom }),
        expected: fixed.ok,
      };
    } finally {
      await server.stop();
    }

    ctx.log('webhooks: bare undici POST loop');
    await receiver.call('reset');
    const barePhase = await phase(ctx, plain(gen.pid), 'webhooks-bare', () =>
      gen.call<LoadResult>('loop', {
        url: receiverUrl,
        targets: [{ path: '/bare', headers: {} }],
        body: BARE_BODY,
        connections: cfg.connections,
        durationSec: cfg.ingestSec,
        expectStatus: 200,
      }),
    );
    const bareLoop = barePhase.value;
    const bareCpuPerPostUs = (barePhase.cpuSeconds / Math.max(1, bareLoop.ok)) * 1e6;
    await receiver.call('reset');
    const stampFrom = wallNow() + cfg.warmSec * 1000;
    const bareFixed = await gen.call<LoadResult>('rate', {
      url: receiverUrl,
      targets: [{ path: '/bare', headers: {} }],
      body: BARE_BODY,
      connections: 32,
      rate: cfg.rate,
      durationSec: cfg.rateSec,
      warmSec: cfg.warmSec,
      expectStatus: 200,
    });
    const bareLat = await receiver.call<ReceiverStats>('stats', { prefix: '/bare', stampFrom });

    ctx.details.webhooks = {
      bareCpuPerPostUs,
      config: cfg,
      serverCpu: cpu,
      saturation: sat,
      latency: lat,
      baseline: { loop: bareLoop, fixed: bareFixed, receiver: bareLat },
    };
    const satRate = Number.isFinite(sat.drainRate) ? sat.drainRate : sat.overallRate;
    const notes = [
      `server CPU ${Math.round(cpu.drain * 100)}% of one core while draining, ${Math.round(cpu.fixed * 100)}% at ${cfg.rate}/s`,
      `saturation: ${sat.ingest.ok} messages ingested in ${cfg.ingestSec} s (${Math.round(sat.ingest.perSecond)}/s) × ${cfg.hooks} webhooks = ${sat.expected} deliveries; ${sat.total.count} arrived (${sat.total.duplicates} repeats, ${sat.total.unsigned} unsigned), the last ${sat.drainSeconds.toFixed(1)} s after ingest ended; ${Math.round(sat.overallRate)}/s over the whole window`,
      `latency: ${lat.receiver.count} of ${lat.expected + Math.round(cfg.rate * cfg.warmSec)} events (warm-up included) delivered; latency counts from the POST that commits the event being sent, so it includes that request (ingest p50 ${lat.ingest.latency.p50.toFixed(1)} ms)`,
    ];
    const ratio = satRate / bareLoop.perSecond;
    return [
      row(
        { store: s, scenario, metric: 'deliveries/s at saturation', unit: '/s', note: notes.join('; ') },
        satRate,
        bareLoop.perSecond,
        { op: '>=', value: 5000 },
      ),
      row({ store: s, scenario, metric: 'saturation ratio to bare undici', unit: '×' }, ratio, null, {
        op: '>=',
        value: 0.5,
      }),
      row(
        { store: s, scenario, metric: 'CPU per delivery (server vs bare POST loop)', unit: 'µs' },
        sat.cpuPerDeliveryUs,
        bareCpuPerPostUs,
      ),
      row(
        { store: s, scenario, metric: `p50 commit → first attempt @ ${cfg.rate}/s`, unit: 'ms' },
        lat.receiver.latency.p50,
        bareLat.latency.p50,
      ),
      row(
        { store: s, scenario, metric: `p99 commit → first attempt @ ${cfg.rate}/s`, unit: 'ms' },
        lat.receiver.latency.p99,
        bareLat.latency.p99,
        { op: '<', value: 50 },
      ),
    ];
  } finally {
    await gen.stop();
    await receiver.stop();
  }
}
