import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { createAgent, createUser, expectStatus, type Person, type TestApp } from './fixtures.ts';
import { type Json, type TestServer, waitFor } from './harness.ts';

/** One frame as the server sent it. */
export type Frame = Json;

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A real WebSocket client on 127.0.0.1 that keeps every frame it receives, in order. Tests consume
 * frames one by one with `next()` and finish with `expectQuiet()`, so every frame gets checked.
 */
export class Client {
  readonly ws: WebSocket;
  readonly closed: Promise<Closed>;
  readonly received: Frame[] = [];
  private readonly queue: Frame[] = [];
  private waiter: (() => void) | undefined;
  private lastId = 0;
  isClosed = false;
  /** Pings received since the socket was created (counted from the start, so none is missed). */
  pings = 0;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('ping', () => {
      this.pings++;
    });
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false, 'the server sends text frames');
      const frame = JSON.parse(data.toString()) as Frame;
      this.received.push(frame);
      this.queue.push(frame);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true;
        this.waiter?.();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => undefined);
  }

  /** The next frame not consumed yet; fails after `ms`. */
  async next(ms = 5000, what = 'a frame'): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      if (this.isClosed) assert.fail(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift()!;
  }

  /** The next frame, which must be the event `name`; returns its data (and checks its cursor). */
  async event(name: string, ms = 5000): Promise<Json> {
    const frame = await this.next(ms, `event ${name}`);
    assert.equal(frame.event, name, `expected ${name}, got ${JSON.stringify(frame)}`);
    assert.deepEqual(Object.keys(frame).sort(), ['cursor', 'data', 'event']);
    assert.equal(typeof frame.cursor, 'string');
    return frame.data;
  }

  /** Frames from now on until `ms` of silence. */
  async drain(ms = 300): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (;;) {
      if (this.queue.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        if (this.queue.length === 0) return frames;
      }
      frames.push(this.queue.shift()!);
    }
  }

  /** Nothing more arrives within `ms`. */
  async expectQuiet(ms = 300): Promise<void> {
    const frames = await this.drain(ms);
    assert.deepEqual(frames, [], 'no further frames');
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with a fresh id; returns that id (the ack is read with next()). */
  request(event: string, data?: Json): number {
    const id = ++this.lastId;
    this.send({ id, event, ...(data !== undefined ? { data } : {}) });
    return id;
  }

  /** The next frame, which must be the ack of `id`; returns its data or fails with its error. */
  async ack(id: number, ms = 5000): Promise<Json> {
    const frame = await this.next(ms, `ack ${id}`);
    assert.equal(frame.ack, id, `expected ack ${id}, got ${JSON.stringify(frame)}`);
    assert.equal(frame.error, undefined, `ack ${id} is an error: ${JSON.stringify(frame.error)}`);
    return frame.data;
  }

  /** The next frame, which must be an error ack of `id` with `code`. */
  async ackError(id: number | string | null, code: number, message?: RegExp): Promise<Json> {
    const frame = await this.next(5000, `error ack ${id}`);
    assert.equal(frame.ack, id, `expected ack ${id}, got ${JSON.stringify(frame)}`);
    assert.equal(frame.data, undefined);
    assert.equal(frame.error?.code, code, JSON.stringify(frame));
    assert.equal(typeof frame.error.message, 'string');
    if (message) assert.match(frame.error.message, message);
    return frame.error;
  }

  /** Sends a request and returns its successful ack, skipping nothing: the ack must come next. */
  async call(event: string, data?: Json): Promise<Json> {
    return this.ack(this.request(event, data));
  }

  close(): Promise<Closed> {
    if (!this.isClosed) this.ws.close();
    return this.closed;
  }
}

export interface ConnectOptions {
  token?: string;
  secret?: string;
  cursor?: string;
  /** Send the credentials as headers instead of query parameters. */
  headers?: boolean;
  /** Extra query parameters or headers, sent as given. */
  query?: Record<string, string>;
  extraHeaders?: Record<string, string>;
  autoPong?: boolean;
}

/** The ws:// URL of a listening test server. */
export async function wsUrl(server: TestServer): Promise<string> {
  const address = server.sb.http.server.address();
  if (address && typeof address === 'object') return `ws://127.0.0.1:${address.port}/v1/ws`;
  const base = await server.sb.listen();
  return `${base.replace(/^http/, 'ws')}/v1/ws`;
}

/** Opens a socket (it may still be closed by the server right after, e.g. 4001). */
export async function open(
  server: TestServer,
  app: TestApp | { id: string },
  options: ConnectOptions = {},
): Promise<Client> {
  const url = new URL(await wsUrl(server));
  const headers: Record<string, string> = { ...options.extraHeaders };
  const credentials: Record<string, string> = { appId: app.id };
  if (options.token) credentials.token = options.token;
  if (options.secret) credentials.secret = options.secret;
  if (options.headers) {
    headers['x-hyper-appid'] = app.id;
    if (options.token) headers['x-hyper-token'] = options.token;
    if (options.secret) headers['x-hyper-secret'] = options.secret;
  } else {
    for (const [key, value] of Object.entries(credentials)) url.searchParams.set(key, value);
  }
  if (options.cursor !== undefined) url.searchParams.set('cursor', options.cursor);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const ws = new WebSocket(url, { headers, autoPong: options.autoPong ?? true });
  const client = new Client(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.once('error', reject);
  });
  return client;
}

/** Opens a socket and checks the session frame; returns the client and the session data. */
export async function connect(
  server: TestServer,
  app: TestApp,
  options: ConnectOptions = {},
): Promise<Client & { session: Json }> {
  const client = await open(server, app, options);
  const frame = await client.next(5000, 'the session frame');
  assert.equal(frame.event, 'session', `first frame: ${JSON.stringify(frame)}`);
  assert.deepEqual(Object.keys(frame.data).sort(), ['cursor', 'heartbeat', 'user']);
  assert.equal(typeof frame.data.cursor, 'string');
  return Object.assign(client, { session: frame.data });
}

/** An end user's chat that an agent has accepted, set up through REST. */
export async function chatWithAgent(
  server: TestServer,
  app: TestApp,
  agent?: Person,
): Promise<{ user: Person; agent: Person; chatId: string }> {
  const ada = agent ?? (await createAgent(server, app, { maxChats: 10 }));
  const user = await createUser(server, app);
  const created = await expectStatus(server, 201, 'POST', '/v1/chats', {
    headers: app.as(user.token),
    body: {},
  });
  const chatId = created.body.chat.id as string;
  await waitFor(
    async () => {
      const res = await server.request('GET', `/v1/invitations?status=pending&chatId=${chatId}`, {
        headers: app.as(ada.token),
      });
      return res.body.invitations?.length > 0;
    },
    10000,
    'the invitation',
  );
  await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
    headers: app.as(ada.token),
    body: { chatId },
  });
  return { user, agent: ada, chatId };
}

/** Resolves with the close code once the socket closes; fails when that takes longer than `ms`. */
export async function closedWithin(client: Client, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
  });
  try {
    return (await Promise.race([client.closed, timeout])).code;
  } finally {
    clearTimeout(timer);
  }
}
