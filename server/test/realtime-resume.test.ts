import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeCursor } from '../src/realtime/cursor.ts';
import { createTestApp, expectStatus, type Person, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Client, chatWithAgent, connect, type Frame, open } from './helpers/ws.ts';

async function say(
  server: TestServer,
  app: TestApp,
  who: Person,
  chatId: string,
  message: string,
): Promise<Json> {
  return (
    await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(who.token),
      body: { message },
    })
  ).body.message;
}

/** Waits until the store holds `type` activity of `userId` in `chatId` (presence writes are async). */
async function activityStored(
  server: TestServer,
  chatId: string,
  userId: string,
  type: string,
): Promise<void> {
  await waitFor(
    async () => {
      const rows = await server.sb.store.db
        .selectFrom('events')
        .select('data')
        .where('chatId', '=', chatId)
        .where('trigger', '=', 'users:activity')
        .execute();
      return rows.some((r) => {
        const data = JSON.parse(r.data) as Json;
        return data.userId === userId && data.type === type;
      });
    },
    10000,
    `${type} of ${userId}`,
  );
}

/** Reads a resumed stream: the replayed frames up to `resumed` (checked), then returns them. */
async function replayed(client: Client): Promise<{ frames: Frame[]; resumed: Frame }> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await client.next(10000, 'replay');
    if (frame.event === 'resumed') {
      assert.equal(typeof frame.cursor, 'string');
      return { frames, resumed: frame };
    }
    frames.push(frame);
  }
}

describeEachStore('realtime: resume without loss', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
    await server.sb.listen();
  });
  after(() => server.close());

  /**
   * The user is away while 100 messages arrive in their chat (and other chats of the app move too):
   * the cursor brings back exactly their events, in order, once, then `resumed`, then the live stream.
   */
  async function missHundred(restart: boolean): Promise<void> {
    const app = await createTestApp(server);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const other = await chatWithAgent(server, app, ada);
    const annWs = await connect(server, app, { token: ann.token });
    await say(server, app, ada, chatId, 'before');
    const before = await annWs.next();
    assert.equal(before.event, 'messages:new');
    assert.equal(before.data.message.message, 'before');
    const cursor = before.cursor as string;
    await annWs.expectQuiet(200);

    if (restart) {
      await server.restart();
      await server.sb.listen();
      assert.equal((await annWs.closed).code, 1001, 'the stopping node says it is going away');
    } else {
      await annWs.close();
    }
    await activityStored(server, chatId, ann.id, 'disconnected');

    const sent: Json[] = [];
    for (let i = 0; i < 100; i++) {
      sent.push(await say(server, app, ada, chatId, `m${i}`));
      if (i % 10 === 0) await say(server, app, ada, other.chatId, `noise ${i}`);
    }

    const back = await connect(server, app, { token: ann.token, cursor });
    assert.equal(back.session.cursor, cursor, 'the stream starts where the client left it');
    const { frames, resumed } = await replayed(back);
    assert.deepEqual(
      frames.map((f) => f.event),
      ['users:activity', ...Array(100).fill('messages:new'), 'users:activity'],
    );
    assert.deepEqual(frames[0]!.data, { chatId, userId: ann.id, type: 'disconnected', grace: 30 });
    // The reconnection itself is written before the replay starts, so it is the last replayed event.
    assert.deepEqual(frames[101]!.data, { chatId, userId: ann.id, type: 'reconnected' });
    assert.deepEqual(
      frames.slice(1, 101).map((f) => f.data.message),
      sent,
      'exactly the 100 messages, in order',
    );
    const cursors = frames.map((f) => f.cursor as string);
    assert.equal(new Set(cursors).size, cursors.length, 'no duplicates');
    const positions = cursors.map((c) => decodeCursor(app.id, c)!);
    assert.deepEqual(
      positions,
      [...positions].sort((a, b) => a - b),
      'cursors grow along the stream',
    );
    assert.deepEqual(resumed.data, { replayed: 102 });
    assert.equal(resumed.cursor, cursors.at(-1), 'resumed carries the cursor reached');
    await back.expectQuiet();

    // Once: resuming from the last replayed message gives only what came after it.
    const tab = await connect(server, app, { token: ann.token, cursor: cursors.at(-2)! });
    assert.deepEqual(await tab.event('users:activity'), { chatId, userId: ann.id, type: 'reconnected' });
    assert.deepEqual((await tab.next()).data, { replayed: 1 });
    await say(server, app, ada, chatId, 'after');
    for (const client of [back, tab])
      assert.equal((await client.event('messages:new')).message.message, 'after');
    await Promise.all([back.expectQuiet(), tab.expectQuiet()]);
    await Promise.all([back.close(), tab.close()]);
  }

  it('after 100 missed events: exactly those, in order, once', () => missHundred(false));

  it('the same across a server restart', () => missHundred(true));

  it('a cursor beyond retention, of another app, or unreadable gets resync-required', async () => {
    const app = await createTestApp(server);
    const otherApp = await createTestApp(server);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const annWs = await connect(server, app, { token: ann.token });
    await say(server, app, ada, chatId, 'one');
    const cursor = (await annWs.next()).cursor as string;
    await annWs.close();
    await activityStored(server, chatId, ann.id, 'disconnected');
    await say(server, app, ada, chatId, 'two');

    // The first event after the cursor is older than 24 h: what came after may be gone.
    const position = decodeCursor(app.id, cursor)!;
    await server.sb.store.db
      .updateTable('events')
      .set({ created: Math.floor(Date.now() / 1000) - 25 * 3600 })
      .where('appId', '=', app.id)
      .where('position', '=', position + 1)
      .execute();
    const otherWs = await connect(server, otherApp, { secret: otherApp.secret });
    const otherCursor = otherWs.session.cursor as string;
    await otherWs.close();
    for (const stale of [cursor, otherCursor, 'not-a-cursor', 'bm90OmEtY3Vyc29y']) {
      const client = await connect(server, app, { token: ann.token, cursor: stale });
      const frame = await client.next();
      assert.equal(frame.event, 'resync-required', `cursor ${stale}`);
      assert.equal(frame.cursor, client.session.cursor, 'the stream goes on from now');
      await client.expectQuiet(150);
      // The connection stays usable: it hears what happens from now on.
      await say(server, app, ada, chatId, `live ${stale}`);
      assert.equal((await client.event('messages:new')).message.message, `live ${stale}`);
      await client.close();
    }
  });

  it('a socket that cannot keep up is dropped, and resumes by cursor without loss', async () => {
    const slow = await startServer(kind, {}, { realtime: { maxBufferedBytes: 64 * 1024 } });
    try {
      await slow.sb.listen();
      const app = await createTestApp(slow);
      const { user: ann, agent: ada, chatId } = await chatWithAgent(slow, app);
      const annWs = await open(slow, app, { token: ann.token });
      const session = await annWs.next();
      assert.equal(session.event, 'session');
      // Stop reading: the kernel buffers fill, then the server's queue; it must not grow without bound.
      const socket = (annWs.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      const big = 'x'.repeat(60_000);
      let sent = 0;
      const drop = annWs.closed.then(() => true);
      while (sent < 400) {
        await say(slow, app, ada, chatId, `${sent} ${big}`);
        sent++;
        if (slow.sb.realtime.connectionCount() === 0) break;
      }
      assert.equal(slow.sb.realtime.connectionCount(), 0, `dropped after ${sent} messages of 60 KB`);
      socket.resume();
      assert.equal(await drop, true);
      const got = annWs.received.filter((f) => f.event === 'messages:new');
      assert.ok(got.length < sent, 'it was dropped before getting everything');
      const last = got.at(-1)?.cursor ?? session.data.cursor;
      const back = await connect(slow, app, { token: ann.token, cursor: last });
      const { frames } = await replayed(back);
      const messages = frames
        .filter((f) => f.event === 'messages:new')
        .map((f) => f.data.message.message as string);
      const all = [...got.map((f) => f.data.message.message as string), ...messages];
      assert.deepEqual(
        all.map((m) => Number(m.split(' ')[0])),
        Array.from({ length: sent }, (_, i) => i),
        'every message once, in order, across the drop',
      );
      await back.close();
    } finally {
      await slow.close();
    }
  });
});
