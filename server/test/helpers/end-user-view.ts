import assert from 'node:assert/strict';
import type { TestApp } from './fixtures.ts';
import type { Json, TestServer } from './harness.ts';
import { connect, type Frame } from './ws.ts';

/**
 * Everything an end user's token can read or hear, as text, to search for what must never reach it
 * (internal notes: docs/security.md). Reads come from the OpenAPI document itself — every GET route,
 * each path parameter filled with every id given — so a route added later is searched too. Frames
 * are the realtime socket's: a replay of the whole event log (a reconnect from the first position),
 * the realtime read requests, and whatever live frames the caller collected on its own socket.
 */
/** One thing the end user got: where from, and its text (what is searched). */
export interface Seen {
  where: string;
  text: string;
}

export interface EndUserView {
  /** Every read's answer (status and body). */
  reads: Seen[];
  /** Every frame the replayed socket received (replay, the read requests' acks). */
  frames: Seen[];
  /** How many GET routes of the document were called (with every id). */
  routes: number;
}

/** A realtime cursor at the app's first position: a reconnect with it replays the whole log. */
export function firstCursor(appId: string): string {
  return Buffer.from(`1:${appId}:0`).toString('base64url');
}

export async function endUserView(
  server: TestServer,
  app: TestApp,
  user: { id: string; token: string },
  ids: readonly string[],
): Promise<EndUserView> {
  const headers = app.as(user.token);
  const document = (await server.request('GET', '/v1/openapi.json')).body as Json;
  const requests: Array<{ url: string; query: Record<string, string> }> = [];
  let routes = 0;
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    if (!item.get) continue;
    routes++;
    const urls = path.includes('{') ? ids.map((id) => path.replace(/\{[^}]+\}/g, id)) : [path];
    for (const url of urls) {
      const full = url.startsWith('/v1') ? url : `/v1${url}`;
      for (const query of queriesOf(full)) requests.push({ url: full, query });
    }
  }
  // A few at a time, as a browser would: the answers do not depend on the order.
  const reads: Seen[] = [];
  for (let i = 0; i < requests.length; i += 8) {
    const batch = requests.slice(i, i + 8);
    const answers = await Promise.all(
      batch.map(({ url, query }) => server.request('GET', url, { headers, query })),
    );
    for (const [j, res] of answers.entries()) {
      const { url, query } = batch[j]!;
      reads.push({ where: `GET ${url} ${JSON.stringify(query)}`, text: `${res.status} ${res.text}` });
    }
  }
  const frames = await replayedFrames(server, app, user, ids);
  return { reads, frames, routes };
}

/** The history export in both formats, closed chats in the chat list. */
function queriesOf(url: string): Array<Record<string, string>> {
  if (/\/history$/.test(url)) return [{}, { format: 'csv' }];
  if (url === '/v1/chats') return [{}, { status: 'closed' }];
  return [{}];
}

async function replayedFrames(
  server: TestServer,
  app: TestApp,
  user: { id: string; token: string },
  ids: readonly string[],
): Promise<Seen[]> {
  const socket = await connect(server, app, { token: user.token, cursor: firstCursor(app.id) });
  const frames: Frame[] = [socket.session];
  try {
    for (;;) {
      const frame = await socket.next(10000, 'the replay');
      frames.push(frame);
      assert.notEqual(frame.event, 'resync-required', 'the whole log replays');
      if (frame.event === 'resumed') break;
    }
    // The socket's read requests (the REST reads' twins, answered on the socket).
    for (const id of ids)
      frames.push(...(await untilAck(socket, socket.request('chats:get', { chatId: id }))));
    frames.push(...(await untilAck(socket, socket.request('users:chats', {}))));
    frames.push(...(await socket.drain(100)));
  } finally {
    await socket.close();
  }
  return frames.map((frame) => ({ where: "a frame of the end user's socket", text: JSON.stringify(frame) }));
}

/** The frames up to and with the ack of `id`, error or not. */
async function untilAck(socket: Awaited<ReturnType<typeof connect>>, id: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await socket.next(5000, `ack ${id}`);
    frames.push(frame);
    if (frame.ack === id) return frames;
  }
}

/** The markers found in any of `seen`, each with where it was found. */
export function leaksOf(seen: ReadonlyArray<Seen | string>, markers: readonly string[]): string[] {
  const found: string[] = [];
  for (const item of seen) {
    const { where, text } = typeof item === 'string' ? { where: 'a frame', text: item } : item;
    for (const marker of markers)
      if (text.includes(marker)) found.push(`${marker} in ${where}: ${text.slice(0, 300)}`);
  }
  return found;
}
