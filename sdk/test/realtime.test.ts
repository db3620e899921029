import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { type Client, createClient, type RealtimeConnection, SwitchboardError } from '../src/index.ts';
import { describeEachStore, type LiveServer, startLive, waitFor } from './helpers/live.ts';
import { freezableProxy } from './helpers/proxy.ts';

/**
 * The realtime client against a real server: sockets killed on either side mid-traffic and a server
 * restart mid-session, after which every event must have been seen exactly once, in order.
 */

const FAST = { backoff: { initialMs: 20, maxMs: 200 } };

/** A WebSocket that remembers its instances, so a test can cut the client's side. */
function trackedWebSocket(): { WebSocket: typeof WebSocket; sockets: WebSocket[] } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string | URL) {
      super(url);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked, sockets };
}

interface Seen {
  messageIds: string[];
  cursors: string[];
  connected: number;
}

function record(rt: RealtimeConnection): Seen {
  const seen: Seen = { messageIds: [], cursors: [], connected: 0 };
  rt.on('messages:new', (data, meta) => {
    seen.messageIds.push(data.message.id);
    assert.equal(meta.event, 'messages:new');
    if (meta.cursor) seen.cursors.push(meta.cursor);
  });
  rt.on('connected', () => {
    seen.connected++;
  });
  return seen;
}

async function allMessageIds(api: Client, chatId: string): Promise<string[]> {
  const { messages } = await api.chats.messages(chatId, { limit: 200 });
  return messages.map((m) => m.id);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachStore('SDK realtime client', (kind) => {
  let live: LiveServer;
  const opened: RealtimeConnection[] = [];
  /** Opens a connection that is closed after the test whatever happens (no reconnect loop left behind). */
  const open = (client: Client, options: Parameters<Client['realtime']>[0]) => {
    const rt = client.realtime(options);
    opened.push(rt);
    return rt;
  };
  before(async () => {
    live = await startLive(kind);
  });
  afterEach(() => {
    for (const rt of opened.splice(0)) rt.close();
  });
  after(() => live.close());

  /** An end user with an open chat and a client of her own. */
  async function visitor(name: string) {
    const { user, session } = await live.asApp.users.create({ name });
    const { chat } = await live.asApp.chats.create({ creator: user.id });
    return { user, chat, client: live.client({ token: session.token }) };
  }

  it('sockets killed on both sides mid-traffic: every event once, in order; sends never doubled', async () => {
    const ann = await visitor('Ann');
    const tracked = trackedWebSocket();
    const rt = open(ann.client, { ...FAST, WebSocket: tracked.WebSocket });
    const seen = record(rt);
    await waitFor(async () => rt.connected);
    const sends: Array<Promise<unknown>> = [];
    const total = 60;
    for (let i = 0; i < total; i++) {
      if (i % 2 === 0) await live.asApp.chats.send(ann.chat.id, { message: `rest ${i}` });
      // Not awaited: these queue while the socket is down and go out at the next session.
      else sends.push(rt.request('messages:new', { chatId: ann.chat.id, message: `socket ${i}` }));
      if (i % 10 === 3 || i % 10 === 8) await waitFor(async () => rt.connected, 5000, 'reconnected');
      if (i % 10 === 3) assert.equal(live.killSockets(), 1, 'the server-side socket killed');
      if (i % 10 === 8) tracked.sockets.at(-1)?.close();
      await sleep(5);
    }
    await Promise.all(sends);
    const ids = await allMessageIds(live.asApp, ann.chat.id);
    assert.equal(ids.length, total, 'each message exists once');
    await waitFor(async () => seen.messageIds.length >= total, 15000, 'every message seen');
    await sleep(100); // nothing late or doubled arrives after
    assert.deepEqual(seen.messageIds, ids, 'seen once each, in the order of the chat');
    assert.equal(new Set(seen.cursors).size, seen.cursors.length, 'no cursor seen twice');
    assert.ok(seen.connected >= 12, `reconnected after each cut (${seen.connected} sessions)`);
    assert.equal(rt.cursor, seen.cursors.at(-1));
    rt.close();
  });

  it('a server restart mid-session: replayed from the cursor, nothing lost or doubled', async () => {
    const bea = await visitor('Bea');
    const rt = open(bea.client, FAST);
    const seen = record(rt);
    const resumed: number[] = [];
    rt.on('resumed', (data) => resumed.push(data.replayed));
    await waitFor(async () => rt.connected);
    for (let i = 0; i < 10; i++) await live.asApp.chats.send(bea.chat.id, { message: `before ${i}` });
    await waitFor(async () => seen.messageIds.length >= 10);
    const restarting = live.restart();
    const sends = [0, 1, 2, 3, 4].map((i) =>
      rt.request('messages:new', { chatId: bea.chat.id, message: `during ${i}`, clientId: `during-${i}` }),
    );
    await restarting;
    for (let i = 0; i < 10; i++) await live.asApp.chats.send(bea.chat.id, { message: `after ${i}` });
    await Promise.all(sends);
    const ids = await allMessageIds(live.asApp, bea.chat.id);
    assert.equal(ids.length, 25);
    await waitFor(async () => seen.messageIds.length >= 25, 15000, 'every message seen');
    await sleep(100);
    assert.deepEqual(seen.messageIds, ids);
    assert.ok(seen.connected >= 2, 'a second session after the restart');
    assert.ok(resumed.length >= 1, 'the reconnection resumed');
    rt.close();
  });

  it('a silent connection is probed, dropped and reopened; the probe keeps a quiet one alive', async () => {
    const cy = await visitor('Cy');
    const proxy = await freezableProxy(new URL(live.url).port);
    try {
      const { session } = await live.asApp.users.token(cy.user.id);
      const viaProxy = createClient({ baseUrl: proxy.url, appId: live.app.id, token: session.token });
      const rt = open(viaProxy, { ...FAST, idleMs: 150, probeTimeoutMs: 300 });
      const seen = record(rt);
      const drops: number[] = [];
      rt.on('disconnected', (data) => drops.push(data.code));
      await waitFor(async () => rt.connected);
      await sleep(600); // several idle periods: each probe is answered, the connection stays
      assert.deepEqual(drops, []);
      proxy.freeze(); // the peer goes silent without closing (a dead network path)
      await waitFor(async () => drops.length > 0, 5000, 'the silent connection dropped');
      await live.asApp.chats.send(cy.chat.id, { message: 'still here?' });
      await waitFor(async () => seen.messageIds.length === 1, 5000, 'the message after reconnecting');
      assert.ok(seen.connected >= 2);
      rt.close();
    } finally {
      await proxy.close();
    }
  });

  it('requests answer with ack data or SwitchboardError; bad credentials stop reconnecting', async () => {
    const dan = await visitor('Dan');
    const rt = open(dan.client, FAST);
    const got = await rt.request('chats:get', { chatId: dan.chat.id });
    assert.equal(got.chat.id, dan.chat.id);
    await assert.rejects(rt.request('chats:get', { chatId: 'missing' }), (error: unknown) => {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.status, 404);
      return true;
    });
    rt.close();
    await assert.rejects(rt.request('chats:get', { chatId: dan.chat.id }), SwitchboardError);

    const bad = open(live.client({ token: 'not-a-token' }), FAST);
    const drops: Array<{ code: number; willReconnect: boolean }> = [];
    bad.on('disconnected', (data) => drops.push(data));
    const refused = bad.request('chats:get', { chatId: dan.chat.id });
    await assert.rejects(
      refused,
      (error: unknown) => error instanceof SwitchboardError && error.status === 401,
    );
    assert.deepEqual(
      drops.map((d) => [d.code, d.willReconnect]),
      [[4001, false]],
    );
  });

  it('a cursor that cannot be resumed says resync-required and carries on live', async () => {
    const eve = await visitor('Eve');
    const rt = open(eve.client, { ...FAST, cursor: 'garbage' });
    const resync: string[] = [];
    let cursorThen: string | undefined;
    rt.on('resync-required', (data) => {
      resync.push(data.cursor);
      cursorThen = rt.cursor;
    });
    const seen = record(rt);
    await waitFor(async () => resync.length === 1, 5000, 'resync-required');
    assert.notEqual(resync[0], 'garbage');
    assert.equal(cursorThen, resync[0], 'the stream carries on from the new cursor');
    await live.asApp.chats.send(eve.chat.id, { message: 'live' });
    await waitFor(async () => seen.messageIds.length === 1);
    rt.close();
  });
});
