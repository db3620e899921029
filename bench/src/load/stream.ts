/**
 * Event stream load generator, in its own process (`ws` clients on /v1/stream).
 * - `open`: stream sockets that keep, per benchmark message `bench:<k>:…`, the wall-clock time its
 *   `messages:new` frame arrived; `collect` turns those into latencies from each message's due time
 *   (the realtime generator's open-loop schedule, shared through the wall clock).
 * - `replay`: a socket opened with a cursor; counts the frames until `resumed` and times them.
 */
import WebSocket from 'ws';
import { serveCalls } from '../lib/proc.ts';
import { Samples, summarize, wallNow } from '../lib/stats.ts';

interface Frame {
  event?: string;
  trigger?: string;
  cursor?: string;
  data?: { message?: { message?: string }; cursor?: string; replayed?: number };
}

interface StreamConn {
  ws: WebSocket;
  /** Arrival time of message k's frame (0 = not yet). */
  arrived: Map<number, number>;
  duplicates: number;
  frames: number;
  /** Event position of the last frame (from its cursor), and frames that did not go up from it. */
  position: number;
  outOfOrder: number;
  unexpectedClose: number;
}

let streams: StreamConn[] = [];
let closing = false;

function openOne(
  url: string,
  headers: Record<string, string>,
): Promise<{ conn: StreamConn; cursor: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const conn: StreamConn = {
      ws,
      arrived: new Map(),
      duplicates: 0,
      frames: 0,
      position: 0,
      outOfOrder: 0,
      unexpectedClose: 0,
    };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no session frame from ${url} in 20 s`));
    }, 20_000);
    let ready = false;
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    ws.on('error', (error) => {
      if (!ready) reject(error);
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`closed ${code} before the session`));
      else if (!closing) conn.unexpectedClose++;
    });
    ws.on('message', (raw) => {
      const at = wallNow();
      const frame = JSON.parse(String(raw)) as Frame;
      if (!ready) {
        clearTimeout(timer);
        if (frame.event !== 'session') return reject(new Error(`first frame: ${String(raw).slice(0, 200)}`));
        ready = true;
        resolve({ conn, cursor: String(frame.data?.cursor) });
        return;
      }
      if (frame.trigger !== 'messages:new') return;
      conn.frames++;
      // Frames come in the app's event order: each cursor's position is above the one before.
      const position = Number(Buffer.from(String(frame.cursor), 'base64url').toString().split(':')[2]);
      if (!(position > conn.position)) conn.outOfOrder++;
      conn.position = position;
      const match = /^bench:(\d+):/.exec(frame.data?.message?.message ?? '');
      if (!match) return;
      const k = Number(match[1]);
      if (conn.arrived.has(k)) conn.duplicates++;
      else conn.arrived.set(k, at);
    });
  });
}

async function open(args: { urls: string[]; headers: Record<string, string> }) {
  const cursors: string[] = [];
  for (const url of args.urls) {
    const { conn, cursor } = await openOne(url, args.headers);
    streams.push(conn);
    cursors.push(cursor);
  }
  return { opened: streams.length, cursor: cursors[0] };
}

/** Latencies of messages `warm ≤ k < total` on every stream, from their due time. */
function collect(args: { startEpoch: number; rate: number; warm: number; total: number }) {
  const samples = new Samples();
  let lost = 0;
  for (const conn of streams) {
    for (let k = args.warm; k < args.total; k++) {
      const at = conn.arrived.get(k);
      if (at === undefined) lost++;
      else samples.push(at - (args.startEpoch + (k * 1000) / args.rate));
    }
  }
  return {
    streams: streams.length,
    expected: (args.total - args.warm) * streams.length,
    received: samples.length,
    lost,
    duplicates: streams.reduce((n, c) => n + c.duplicates, 0),
    outOfOrder: streams.reduce((n, c) => n + c.outOfOrder, 0),
    unexpectedClose: streams.reduce((n, c) => n + c.unexpectedClose, 0),
    latency: summarize(samples.values()),
  };
}

/** Opens `url` (with a cursor) and times the replay: frames until `resumed`. */
function replay(args: { url: string; headers: Record<string, string> }) {
  return new Promise<{ replayed: number; frames: number; seconds: number; perSecond: number }>(
    (resolve, reject) => {
      const started = performance.now();
      const ws = new WebSocket(args.url, { headers: args.headers, perMessageDeflate: false });
      let frames = 0;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`replay not finished in 120 s (${frames} frames)`));
      }, 120_000);
      ws.on('error', reject);
      ws.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as Frame;
        if (frame.event === 'session' || frame.event === 'resync-required') {
          if (frame.event === 'resync-required') reject(new Error('resync-required'));
          return;
        }
        if (frame.event !== 'resumed') {
          frames++;
          return;
        }
        const seconds = (performance.now() - started) / 1000;
        clearTimeout(timer);
        ws.terminate();
        resolve({ replayed: frame.data?.replayed ?? -1, frames, seconds, perSecond: frames / seconds });
      });
    },
  );
}

function close() {
  closing = true;
  for (const conn of streams) conn.ws.terminate();
  streams = [];
  closing = false;
  return { closed: true };
}

serveCalls({ open, collect, replay, close });
