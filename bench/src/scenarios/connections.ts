import { fileLimits, rssOf, sleep, startWorker, type Worker } from '../lib/proc.ts';
import { type Row, row, unavailable } from '../lib/report.ts';
import { createApp, createUsers, realtimeAvailable, startSwitchboard } from '../lib/switchboard.ts';
import { LOAD, type ScenarioContext } from './context.ts';

interface Step {
  sockets: number;
  rss: number;
}

interface Measured {
  idleRss: number;
  steps: Step[];
  /** Bytes per socket: least-squares slope of RSS over the socket count (idle point included). */
  slope: number;
  /** Bytes per socket: (RSS at the last step − idle RSS) / sockets. */
  delta: number;
  open: number;
  failed: number;
  firstError?: string;
  connectSeconds: number;
}

function slopeOf(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/**
 * Opens `urls` in steps from two client processes (spread over several 127.0.0.x source addresses, so
 * the ephemeral ports of one address never run out), reading the server's RSS after each step settles.
 */
async function measure(pid: number, urls: string[], steps: number, settleMs: number): Promise<Measured> {
  const gens: Worker[] = [
    startWorker(LOAD.realtime, { maxSeconds: 600 }),
    startWorker(LOAD.realtime, { maxSeconds: 600 }),
  ];
  try {
    await sleep(settleMs);
    const idleRss = rssOf(pid);
    const points: Step[] = [];
    let failed = 0;
    let firstError: string | undefined;
    let connectSeconds = 0;
    const per = Math.ceil(urls.length / steps);
    for (let step = 0; step < steps; step++) {
      const chunk = urls.slice(step * per, (step + 1) * per);
      const half = Math.ceil(chunk.length / 2);
      const results = await Promise.all(
        gens.map((gen, g) =>
          gen.call<{ opened: number; failed: number; firstError?: string; seconds: number }>('idle', {
            urls: g === 0 ? chunk.slice(0, half) : chunk.slice(half),
            localAddresses: [1, 2, 3, 4].map((a) => `127.0.0.${g * 4 + a + 1}`),
            concurrency: 100,
          }),
        ),
      );
      for (const r of results) {
        failed += r.failed;
        firstError ??= r.firstError;
      }
      connectSeconds += Math.max(...results.map((r) => r.seconds));
      await sleep(settleMs);
      const statuses = await Promise.all(gens.map((gen) => gen.call<{ open: number }>('status')));
      points.push({ sockets: statuses.reduce((a, s) => a + s.open, 0), rss: rssOf(pid) });
    }
    const last = points[points.length - 1]!;
    return {
      idleRss,
      steps: points,
      slope: slopeOf([[0, idleRss], ...points.map((p): [number, number] => [p.sockets, p.rss])]),
      delta: (last.rss - idleRss) / last.sockets,
      open: last.sockets,
      failed,
      ...(firstError ? { firstError } : {}),
      connectSeconds,
    };
  } finally {
    await Promise.all(gens.map((gen) => gen.stop()));
  }
}

/**
 * Connections: server RSS per idle authenticated WebSocket (each its own end user, each past the
 * `session` frame) at 20,000 sockets — vs bare `ws` connections.
 */
export async function connections(ctx: ScenarioContext): Promise<Row[]> {
  const { hard } = fileLimits();
  // The server holds one descriptor per socket plus its own (store, listener, stdio…).
  const cap = hard - 300;
  const wanted = ctx.quick ? 1000 : 20_000;
  const sockets = Math.min(wanted, cap);
  const cfg = { sockets, steps: ctx.quick ? 2 : 4, settleMs: ctx.quick ? 1000 : 3000 };
  const s = ctx.store;
  const scenario = 'connections';
  const capped =
    sockets < wanted
      ? `; ${sockets} sockets, not ${wanted}: the open-file hard limit is ${hard} (ulimit -Hn)`
      : '';

  ctx.log(`connections: Switchboard, ${sockets} users`);
  const server = await startSwitchboard({ store: s, profileDir: ctx.profileDir });
  let ours: Measured;
  try {
    const app = await createApp(server, { assign: { onCreate: false } });
    const users = await createUsers(app, sockets, 32);
    const probe = await realtimeAvailable(server, app, users[0]!.token);
    if (!probe.ok) return [unavailable(s, scenario, probe.why)];
    const ws = `${server.url.replace('http', 'ws')}/v1/ws?appId=${app.appId}&token=`;
    ctx.log(`connections: opening ${sockets} sockets`);
    ours = await measure(
      server.pid,
      users.map((u) => ws + encodeURIComponent(u.token)),
      cfg.steps,
      cfg.settleMs,
    );
  } finally {
    await server.stop();
  }

  ctx.log('connections: bare ws');
  const bare = startWorker(LOAD.bare, { maxSeconds: 300 });
  let base: Measured;
  try {
    const port = await bare.call<number>('listen');
    base = await measure(
      bare.pid,
      Array.from({ length: sockets }, (_, i) => `ws://127.0.0.1:${port}/ws?role=user&token=t${i}`),
      cfg.steps,
      cfg.settleMs,
    );
  } finally {
    await bare.stop();
  }

  ctx.details.connections = { config: cfg, ours, baseline: base };
  const kb = (bytes: number) => bytes / 1024;
  const note = `${ours.open} sockets open on Switchboard (${ours.failed} failed${ours.firstError ? `: ${ours.firstError}` : ''}), ${base.open} on bare ws; RSS idle ${Math.round(kb(ours.idleRss) / 1024)} MiB → ${Math.round(kb(ours.steps.at(-1)!.rss) / 1024)} MiB${capped}`;
  return [
    row(
      { store: s, scenario, metric: `RSS per idle socket @ ${ours.open}`, unit: 'KB', note },
      kb(ours.slope),
      kb(base.slope),
      { op: '<=', value: 20 },
    ),
    row({ store: s, scenario, metric: 'RSS delta / sockets', unit: 'KB' }, kb(ours.delta), kb(base.delta)),
  ];
}
