import { setTimeout as sleep } from 'node:timers/promises';
import { rssOf, startWorker } from '../lib/proc.ts';
import { type Row, row } from '../lib/report.ts';
import { round } from '../lib/stats.ts';
import {
  type BenchApp,
  createApp,
  createChats,
  createUsers,
  type RunningServer,
  startSwitchboard,
} from '../lib/switchboard.ts';
import type { LoadResult, LoadSpec } from '../load/http.ts';
import { LOAD, MESSAGE_BODY, type ScenarioContext } from './context.ts';

const MiB = 1024 * 1024;

/**
 * Fair share (docs/limits.md): app B's message latency alone, then while app A reads a large
 * transcript four times in parallel and uploads and downloads large files — the load an outside
 * probe used to slow every other app (p99 29 ms → 2.9 s) and grow the server to 2 GB. Prints B's
 * p50/p99 both ways and the server's peak RSS under A's load. The rate caps are at their defaults.
 */
export async function fairshare(ctx: ScenarioContext): Promise<Row[]> {
  const cfg = ctx.quick
    ? { imports: 10, fileMiB: 16, rate: 50, seconds: 5 }
    : { imports: 40, fileMiB: 64, rate: 100, seconds: 15 };
  ctx.log(`fairshare: transcript ${cfg.imports} MB, files ${cfg.fileMiB} MiB, B at ${cfg.rate} msg/s`);
  const server = await startSwitchboard({
    store: ctx.store,
    profileDir: ctx.profileDir,
    env: {
      SWITCHBOARD_MAX_MESSAGES_PER_SECOND: '1000',
      SWITCHBOARD_MAX_USERS_PER_MINUTE: '1000',
      SWITCHBOARD_MAX_UPLOADS_PER_MINUTE: '120',
      SWITCHBOARD_MAX_TRANSFER_BYTES_PER_SECOND: String(16 * MiB),
    },
  });
  try {
    const a = await createApp(server, { media: { maxBytes: 100 * MiB } });
    const b = await createApp(server);
    const [userA] = await createUsers(a, 1);
    const usersB = await createUsers(b, 20);
    const [chatA] = await createChats(server, a, [userA!]);
    const chatsB = await createChats(server, b, usersB);
    // About a megabyte per import (the body limit is 1 MiB).
    const history = Array.from({ length: 1000 }, () => ({
      sender: 'assistant',
      message: 'x'.repeat(990),
      created: 1_700_000_000,
    }));
    for (let i = 0; i < cfg.imports; i++) await a.api.request('POST', `/chats/${chatA}/history`, { history });
    const tokenA = userA!.token;
    const fileId = await upload(server, a, tokenA, chatA!, cfg.fileMiB * MiB);

    const probe: Omit<LoadSpec, 'durationSec' | 'connections'> = {
      url: server.url,
      body: MESSAGE_BODY,
      targets: chatsB.map((id, i) => ({
        path: `/v1/chats/${id}/messages`,
        headers: { 'x-hyper-appid': b.appId, 'x-hyper-token': usersB[i]!.token },
      })),
    };
    const measureB = async () => {
      const gen = startWorker(LOAD.http, { maxSeconds: 300 });
      try {
        return await gen.call<LoadResult>('rate', {
          ...probe,
          connections: 16,
          durationSec: cfg.seconds,
          warmSec: 1,
          rate: cfg.rate,
        });
      } finally {
        await gen.stop();
      }
    };

    ctx.log('fairshare: B alone');
    const alone = await measureB();

    ctx.log('fairshare: B while A reads transcripts and moves files');
    let loading = true;
    let peakRss = rssOf(server.pid);
    const baselineRss = peakRss;
    const sampler = (async () => {
      while (loading) {
        peakRss = Math.max(peakRss, rssOf(server.pid));
        await sleep(50);
      }
    })();
    let aRequests = 0;
    let aErrors = 0;
    const loop = async (work: () => Promise<void>) => {
      while (loading) {
        try {
          await work();
          aRequests++;
        } catch {
          aErrors++;
        }
      }
    };
    const get = async (path: string, headers: Record<string, string>) => {
      const res = await fetch(`${server.url}/v1${path}`, { headers });
      for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>);
      if (!res.ok) throw new Error(`${path} → ${res.status}`);
    };
    const asA = { 'x-hyper-appid': a.appId, 'x-hyper-secret': a.secret };
    const asUserA = { 'x-hyper-appid': a.appId, 'x-hyper-token': tokenA };
    const heavy = [
      ...Array.from({ length: 4 }, () => loop(() => get(`/chats/${chatA}/history`, asA))),
      ...Array.from({ length: 2 }, () => loop(() => get(`/media/${fileId}`, asUserA))),
      loop(async () => {
        await upload(server, a, tokenA, chatA!, cfg.fileMiB * MiB);
      }),
    ];
    const loaded = await measureB();
    loading = false;
    await Promise.all([...heavy, sampler]);

    const details = {
      config: cfg,
      alone,
      loaded,
      a: { requests: aRequests, errors: aErrors },
      rssMiB: { before: round(baselineRss / MiB, 1), peak: round(peakRss / MiB, 1) },
    };
    ctx.details.fairshare = details;
    ctx.log(
      `fairshare: B p50/p99 alone ${round(alone.latency.p50)}/${round(alone.latency.p99)} ms, ` +
        `under A's load ${round(loaded.latency.p50)}/${round(loaded.latency.p99)} ms; ` +
        `A made ${aRequests} large requests (${aErrors} failed); server RSS ${details.rssMiB.before} → peak ${details.rssMiB.peak} MiB`,
    );
    const s = ctx.store;
    const scenario = 'fairshare';
    const note = `ours = B under A's load, baseline = B alone; A: ${aRequests} transcript/file requests, ${aErrors} failed; B errors ${loaded.errors}`;
    return [
      row(
        { store: s, scenario, metric: `B p50 @ ${cfg.rate}/s`, unit: 'ms', note },
        loaded.latency.p50,
        alone.latency.p50,
      ),
      row(
        { store: s, scenario, metric: `B p99 @ ${cfg.rate}/s`, unit: 'ms' },
        loaded.latency.p99,
        alone.latency.p99,
      ),
      row(
        { store: s, scenario, metric: 'server peak RSS under A', unit: 'MiB' },
        details.rssMiB.peak,
        details.rssMiB.before,
      ),
    ];
  } finally {
    await server.stop();
  }
}

/** Uploads `bytes` generated as they are sent (the bench never holds the file); returns the media id. */
async function upload(server: RunningServer, app: BenchApp, token: string, chatId: string, bytes: number) {
  const boundary = 'benchfairshare';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="chatId"\r\n\r\n${chatId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const piece = new Uint8Array(256 * 1024).fill(0x61);
  let sent = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < 0) {
        sent = 0;
        controller.enqueue(new Uint8Array(head));
      } else if (sent >= bytes) {
        controller.enqueue(new Uint8Array(tail));
        controller.close();
      } else {
        const n = Math.min(piece.length, bytes - sent);
        sent += n;
        controller.enqueue(piece.slice(0, n));
      }
    },
  });
  const res = await fetch(`${server.url}/v1/media`, {
    method: 'POST',
    headers: {
      'x-hyper-appid': app.appId,
      'x-hyper-token': token,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    body,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  if (res.status !== 201) throw new Error(`upload → ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text).media.id as string;
}
