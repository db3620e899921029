/**
 * WebSocket load generator, in its own process (`ws` clients).
 * - `pairs`: for each chat a user socket and an agent socket. `run` sends `messages:new` at a fixed
 *   total rate, alternating the sending side, open loop (message i is due at start + i/rate); the
 *   latency of a message runs from its due time to its receipt by the *other* participant.
 * - `agents` + `route`: agent sockets wait for `invitations:new`; chats are created over HTTP at a
 *   fixed rate (undici), and the latency runs from the POST /chats being due to the invitation's
 *   receipt. Each invited agent accepts and, a little later, closes the chat, so slots free up and the
 *   run is a steady state rather than a pile of pending invitations.
 */
import { Pool } from 'undici';
import WebSocket from 'ws';
import { serveCalls } from '../lib/proc.ts';
import { Samples, summarize } from '../lib/stats.ts';

interface Frame {
  event?: string;
  ack?: number;
  error?: { code: number; message: string };
  data?: Record<string, unknown>;
}

interface Conn {
  ws: WebSocket;
  role: 'user' | 'agent';
  pair: number;
  nextId: number;
  acks: Map<number, (frame: Frame) => void>;
}

let conns: Conn[] = [];
let onEvent: (conn: Conn, frame: Frame) => void = () => {};
let stats = { ackOk: 0, ackErrors: 0, firstError: '' as string, unexpectedClose: 0 };

function open(url: string, role: Conn['role'], pair: number, localAddress?: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    const conn: Conn = { ws, role, pair, nextId: 1, acks: new Map() };
    let ready = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no session frame from ${url} in 20 s`));
    }, 20_000);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`upgrade answered ${res.statusCode}`));
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      if (!ready) reject(error);
    });
    ws.on('close', () => {
      if (ready && !closing) stats.unexpectedClose++;
    });
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Frame;
      if (!ready) {
        if (frame.event !== 'session') {
          clearTimeout(timer);
          reject(new Error(`first frame: ${String(raw).slice(0, 200)}`));
          return;
        }
        ready = true;
        clearTimeout(timer);
        resolve(conn);
        return;
      }
      if (frame.ack !== undefined) {
        if (frame.error) {
          stats.ackErrors++;
          if (!stats.firstError) stats.firstError = `${frame.error.code} ${frame.error.message}`;
        } else stats.ackOk++;
        const waiter = conn.acks.get(frame.ack);
        if (waiter) {
          conn.acks.delete(frame.ack);
          waiter(frame);
        }
        return;
      }
      if (frame.event) onEvent(conn, frame);
    });
  });
}

function request(conn: Conn, event: string, data: unknown, onAck?: (frame: Frame) => void): void {
  const id = conn.nextId++;
  if (onAck) conn.acks.set(id, onAck);
  conn.ws.send(JSON.stringify({ id, event, data }));
}

let closing = false;

async function openAll(
  specs: Array<{ url: string; role: Conn['role']; pair: number }>,
  localAddresses: string[],
  concurrency: number,
): Promise<{ opened: number; failed: number; firstError?: string; seconds: number }> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const out: Conn[] = [];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, specs.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= specs.length) return;
        const spec = specs[i]!;
        try {
          out.push(await open(spec.url, spec.role, spec.pair, localAddresses[i % localAddresses.length]));
        } catch (error) {
          failed++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  conns.push(...out);
  return {
    opened: out.length,
    failed,
    ...(firstError ? { firstError } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

interface PairSpec {
  chatId: string;
  userUrl: string;
  agentUrl: string;
}

let pairs: PairSpec[] = [];
/** Per pair: [user conn, agent conn]. */
let byPair: Array<[Conn | undefined, Conn | undefined]> = [];

async function connectPairs(args: { pairs: PairSpec[]; localAddresses?: string[]; concurrency?: number }) {
  pairs = args.pairs;
  const specs = pairs.flatMap((p, pair) => [
    { url: p.userUrl, role: 'user' as const, pair },
    { url: p.agentUrl, role: 'agent' as const, pair },
  ]);
  const result = await openAll(specs, args.localAddresses ?? [], args.concurrency ?? 50);
  byPair = pairs.map(() => [undefined, undefined]);
  for (const conn of conns) byPair[conn.pair]![conn.role === 'user' ? 0 : 1] = conn;
  return result;
}

async function runMessages(args: { rate: number; durationSec: number; warmSec: number; drainSec?: number }) {
  stats = { ackOk: 0, ackErrors: 0, firstError: '', unexpectedClose: stats.unexpectedClose };
  const complete = byPair.filter(([u, a]) => u && a) as Array<[Conn, Conn]>;
  if (complete.length === 0) throw new Error('no complete pair connected');
  const warm = Math.round(args.rate * args.warmSec);
  const total = warm + Math.round(args.rate * args.durationSec);
  const due = new Float64Array(total);
  const received = new Uint8Array(total);
  const samples = new Samples();
  let duplicates = 0;
  let receivedCount = 0;
  let strays = 0;
  onEvent = (conn, frame) => {
    if (frame.event !== 'messages:new') return;
    const text = (frame.data?.message as { message?: string } | undefined)?.message;
    const match = typeof text === 'string' ? /^bench:(\d+):([ua])/.exec(text) : null;
    if (!match) {
      strays++;
      return;
    }
    const k = Number(match[1]);
    const fromUser = match[2] === 'u';
    // Only the other participant's receipt counts; the sender also hears its own message.
    if ((conn.role === 'user') === fromUser) return;
    if (received[k]) {
      duplicates++;
      return;
    }
    received[k] = 1;
    receivedCount++;
    if (k >= warm) samples.push(performance.now() - due[k]!);
  };
  const start = performance.now();
  let sent = 0;
  const padding = 'x'.repeat(60);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const target = Math.min(total, Math.floor(((now - start) * args.rate) / 1000) + 1);
      while (sent < target) {
        const k = sent++;
        due[k] = start + (k * 1000) / args.rate;
        const [user, agent] = complete[k % complete.length]!;
        const fromUser = Math.floor(k / complete.length) % 2 === 0;
        const conn = fromUser ? user : agent;
        request(conn, 'messages:new', {
          chatId: pairs[conn.pair]!.chatId,
          message: `bench:${k}:${fromUser ? 'u' : 'a'} ${padding}`,
        });
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const sendSeconds = (performance.now() - start) / 1000;
  const drainUntil = performance.now() + (args.drainSec ?? 5) * 1000;
  while (receivedCount < total && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  onEvent = () => {};
  let lost = 0;
  for (let k = warm; k < total; k++) if (!received[k]) lost++;
  return {
    sent: total - warm,
    received: samples.length,
    lost,
    duplicates,
    strays,
    sendSeconds,
    /** Wall-clock time (ms) at which message 0 was due: other processes time against it (stream scenario). */
    startEpoch: performance.timeOrigin + start,
    latency: summarize(samples.values()),
    acks: { ...stats },
  };
}

async function connectAgents(args: { urls: string[]; concurrency?: number }) {
  return openAll(
    args.urls.map((url, pair) => ({ url, role: 'agent' as const, pair })),
    [],
    args.concurrency ?? 50,
  );
}

/** Chats created over HTTP at a fixed rate; the latency of each runs until its invitation arrives. */
async function route(args: {
  url: string;
  appId: string;
  /** One end-user token per chat to create (each user may hold one open chat). */
  tokens: string[];
  rate: number;
  warm: number;
  /** The bare baseline has no accept/close. */
  respond: boolean;
  holdMs: number;
  drainSec?: number;
}) {
  stats = { ackOk: 0, ackErrors: 0, firstError: '', unexpectedClose: stats.unexpectedClose };
  const pool = new Pool(args.url, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
  const total = args.tokens.length;
  const dueOf = new Map<string, { k: number; due: number }>();
  const early = new Map<string, number>();
  const samples = new Samples();
  const createSamples = new Samples();
  let invitations = 0;
  let createErrors = 0;
  let firstCreateError: string | undefined;
  let accepted = 0;
  let closed = 0;
  let acceptErrors = 0;
  const measure = (chatId: string, at: number) => {
    const entry = dueOf.get(chatId);
    if (!entry) {
      early.set(chatId, at);
      return;
    }
    dueOf.delete(chatId);
    if (entry.k >= args.warm) samples.push(at - entry.due);
  };
  onEvent = (conn, frame) => {
    if (frame.event !== 'invitations:new') return;
    const at = performance.now();
    invitations++;
    const chatId = frame.data?.chatId as string;
    measure(chatId, at);
    if (!args.respond) return;
    request(conn, 'invitations:accept', { chatId }, (ack) => {
      if (ack.error) {
        acceptErrors++;
        return;
      }
      accepted++;
      setTimeout(
        () =>
          request(conn, 'chats:close', { chatId }, (closeAck) => {
            if (!closeAck.error) closed++;
          }),
        args.holdMs,
      );
    });
  };
  const start = performance.now();
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolve) => {
    const fire = (k: number) => {
      const due = start + (k * 1000) / args.rate;
      pool
        .request({
          path: '/v1/chats',
          method: 'POST',
          headers: {
            'x-hyper-appid': args.appId,
            'x-hyper-token': args.tokens[k]!,
            'content-type': 'application/json',
          },
          body: '{}',
        })
        .then(async (response) => {
          const text = await response.body.text();
          if (response.statusCode !== 201) {
            createErrors++;
            firstCreateError ??= `${response.statusCode} ${text.slice(0, 200)}`;
            return;
          }
          if (k >= args.warm) createSamples.push(performance.now() - due);
          const chatId = (JSON.parse(text) as { chat: { id: string } }).chat.id;
          dueOf.set(chatId, { k, due });
          const at = early.get(chatId);
          if (at !== undefined) {
            early.delete(chatId);
            measure(chatId, at);
          }
        })
        .catch((error: Error) => {
          createErrors++;
          firstCreateError ??= error.message;
        })
        .finally(() => {
          if (++done === total) resolve();
        });
    };
    const tick = () => {
      const target = Math.min(total, Math.floor(((performance.now() - start) * args.rate) / 1000) + 1);
      while (sent < target) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const drainUntil = performance.now() + (args.drainSec ?? 5) * 1000;
  while (dueOf.size > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const missing = dueOf.size;
  // let the last accepts and closes finish before the next phase
  await new Promise((r) => setTimeout(r, args.respond ? args.holdMs + 500 : 0));
  onEvent = () => {};
  await pool.close();
  return {
    chats: total - args.warm,
    invitations,
    measured: samples.length,
    missing,
    createErrors,
    ...(firstCreateError ? { firstCreateError } : {}),
    accepted,
    acceptErrors,
    closed,
    latency: summarize(samples.values()),
    create: summarize(createSamples.values()),
    acks: { ...stats },
  };
}

async function closeAll() {
  closing = true;
  for (const conn of conns) conn.ws.terminate();
  conns = [];
  byPair = [];
  closing = false;
  return { closed: true };
}

/** Idle sockets (the connections scenario): opened, authenticated (first frame `session`), then held. */
async function idle(args: { urls: string[]; localAddresses: string[]; concurrency?: number }) {
  return openAll(
    args.urls.map((url, pair) => ({ url, role: 'user' as const, pair })),
    args.localAddresses,
    args.concurrency ?? 100,
  );
}

function status() {
  let open = 0;
  for (const conn of conns) if (conn.ws.readyState === WebSocket.OPEN) open++;
  return { open, total: conns.length, unexpectedClose: stats.unexpectedClose };
}

serveCalls({
  pairs: connectPairs,
  run: runMessages,
  agents: connectAgents,
  route,
  idle,
  status,
  close: closeAll,
});
