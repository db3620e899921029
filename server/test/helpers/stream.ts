import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import type { TestApp } from './fixtures.ts';
import type { Json, TestServer } from './harness.ts';
import { Client, type Frame } from './ws.ts';

/** The keys of every event frame of /v1/stream: the webhook envelope plus `id` and `cursor`. */
export const FRAME_KEYS = ['appId', 'created_at', 'cursor', 'data', 'id', 'trigger'];

export interface StreamOptions {
  /** Credentials as headers; default: the app's id and secret. */
  headers?: Record<string, string>;
  events?: string;
  cursor?: string;
  /** Extra query parameters, sent as given. */
  query?: Record<string, string>;
  /** Query parameters appended as given, repeated names included. */
  append?: Array<[string, string]>;
  autoPong?: boolean;
}

export async function streamUrl(server: TestServer): Promise<URL> {
  const address = server.sb.http.server.address();
  const base =
    address && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : await server.sb.listen();
  return new URL(`${base.replace(/^http/, 'ws')}/v1/stream`);
}

/** Opens /v1/stream on a listening test server (the server may still close it at once, e.g. 4001). */
export async function openStream(
  server: TestServer,
  app: TestApp,
  options: StreamOptions = {},
): Promise<Client> {
  const url = await streamUrl(server);
  if (options.events !== undefined) url.searchParams.set('events', options.events);
  if (options.cursor !== undefined) url.searchParams.set('cursor', options.cursor);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  for (const [key, value] of options.append ?? []) url.searchParams.append(key, value);
  const ws = new WebSocket(url, {
    headers: options.headers ?? { 'x-hyper-appid': app.id, 'x-hyper-secret': app.secret },
    autoPong: options.autoPong ?? true,
  });
  const client = new Client(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.once('error', reject);
  });
  return client;
}

/** Opens a stream and checks its session frame; returns the client and the session data. */
export async function stream(
  server: TestServer,
  app: TestApp,
  options: StreamOptions = {},
): Promise<Client & { session: Json }> {
  const client = await openStream(server, app, options);
  const frame = await client.next(5000, 'the session frame');
  assert.equal(frame.event, 'session', `first frame: ${JSON.stringify(frame)}`);
  assert.deepEqual(Object.keys(frame.data).sort(), ['appId', 'cursor', 'events', 'heartbeat']);
  assert.equal(frame.data.appId, app.id);
  assert.equal(typeof frame.data.cursor, 'string');
  return Object.assign(client, { session: frame.data });
}

/** The next frame, which must be an event frame of `trigger` (checked for its shape); returns it. */
export async function nextEvent(client: Client, trigger?: string, ms = 5000): Promise<Frame> {
  const frame = await client.next(ms, `a ${trigger ?? 'event'} frame`);
  assert.deepEqual(Object.keys(frame).sort(), FRAME_KEYS, JSON.stringify(frame));
  if (trigger) assert.equal(frame.trigger, trigger, JSON.stringify(frame));
  assert.equal(typeof frame.id, 'string');
  assert.equal(typeof frame.cursor, 'string');
  assert.equal(typeof frame.created_at, 'number');
  return frame;
}

/** The next frame, which must be an error frame with `code`; returns its error. */
export async function nextError(client: Client, code: number, message?: RegExp): Promise<Json> {
  const frame = await client.next(5000, `an error ${code}`);
  assert.deepEqual(Object.keys(frame), ['error'], JSON.stringify(frame));
  assert.equal(frame.error.code, code, JSON.stringify(frame));
  assert.equal(typeof frame.error.message, 'string');
  if (message) assert.match(frame.error.message, message);
  return frame.error;
}

/** Reads a resumed stream up to `resumed` (checked); returns the replayed frames and that frame. */
export async function replayed(client: Client): Promise<{ frames: Frame[]; resumed: Frame }> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await client.next(10000, 'replay');
    if (frame.event === 'resumed') {
      assert.deepEqual(Object.keys(frame).sort(), ['cursor', 'data', 'event']);
      assert.equal(frame.data.replayed, frames.length);
      return { frames, resumed: frame };
    }
    assert.deepEqual(Object.keys(frame).sort(), FRAME_KEYS, JSON.stringify(frame));
    frames.push(frame);
  }
}
