import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeCursor } from '../src/realtime/cursor.ts';
import { createTestApp, expectStatus, type Person, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { nextEvent, replayed, stream } from './helpers/stream.ts';
import { chatWithAgent, type Frame } from './helpers/ws.ts';

/** /v1/stream resumes by cursor: nothing lost or doubled across drops, restarts and the replay's seam. */
describeEachStore('stream: resume without loss', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
    await server.sb.listen();
  });
  after(() => server.close());

  async function say(app: TestApp, who: Person, chatId: string, message: string): Promise<Json> {
    return (
      await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
        headers: app.as(who.token),
        body: { message },
      })
    ).body.message;
  }

  /** The app's stored events after `position` with those triggers, as the stream must carry them. */
  async function storedAfter(appId: string, position: number, triggers?: string[]): Promise<Json[]> {
    const rows = await server.sb.store.db
      .selectFrom('events')
      .selectAll()
      .where('appId', '=', appId)
      .where('position', '>', position)
      .where('trigger', '<>', 'chats:assign')
      .orderBy('position')
      .execute();
    return rows
      .filter((r) => !triggers || triggers.includes(r.trigger))
      .map((r) => ({ trigger: r.trigger, id: r.id, position: Number(r.position) }));
  }

  const summary = (appId: string, frames: Frame[]) =>
    frames.map((f) => ({ trigger: f.trigger, id: f.id, position: decodeCursor(appId, f.cursor) }));

  async function missMany(restart: boolean): Promise<void> {
    const app = await createTestApp(server);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const s = await stream(server, app);
    await say(app, ann, chatId, 'before');
    const seen = await nextEvent(s, 'messages:new');
    const cursor = seen.cursor as string;
    await s.expectQuiet(150);
    if (restart) {
      await server.restart();
      await server.sb.listen();
      assert.equal((await s.closed).code, 1001, 'the stopping node says it is going away');
    } else {
      await s.close();
    }
    for (let i = 0; i < 60; i++) await say(app, i % 2 ? ann : ada, chatId, `m${i}`);
    const other = await chatWithAgent(server, app, ada);
    await say(app, other.user, other.chatId, 'elsewhere');

    const back = await stream(server, app, { cursor });
    assert.equal(back.session.cursor, cursor, 'the stream starts where the client left it');
    const { frames, resumed } = await replayed(back);
    const expected = await storedAfter(app.id, decodeCursor(app.id, cursor)!);
    assert.ok(expected.length >= 65, `${expected.length} events missed`);
    assert.deepEqual(summary(app.id, frames), expected, 'exactly the missed events, in order, once');
    assert.deepEqual(
      frames.filter((f) => f.trigger === 'messages:new').map((f) => f.data.message.message),
      [...Array.from({ length: 60 }, (_, i) => `m${i}`), 'elsewhere'],
    );
    assert.equal(resumed.cursor, frames.at(-1)!.cursor, 'resumed carries the cursor reached');
    await say(app, ann, chatId, 'after');
    assert.equal((await nextEvent(back, 'messages:new')).data.message.message, 'after');
    await back.expectQuiet();

    // A filtered resume replays only the wanted triggers, and counts only those.
    const filtered = await stream(server, app, { cursor, events: 'messages:new' });
    const only = await replayed(filtered);
    assert.equal(only.frames.length, 62);
    assert.ok(only.frames.every((f) => f.trigger === 'messages:new'));
    assert.equal(
      only.resumed.cursor,
      back.received.at(-1)!.cursor,
      'a filtered stream still ends its replay at the head',
    );
    await Promise.all([back.close(), filtered.close()]);
  }

  it('after a drop: every missed event, in order, once, then resumed, then live', () => missMany(false));

  it('the same across a server restart', () => missMany(true));

  it('dropped and resumed several times mid-traffic: every event exactly once, in order', async () => {
    const app = await createTestApp(server);
    const { user: ann, chatId } = await chatWithAgent(server, app);
    let s = await stream(server, app, { events: 'messages:new' });
    const start = decodeCursor(app.id, s.session.cursor)!;
    const got: Frame[] = [];
    let writing = true;
    // Traffic goes on, one message after another, while the stream is cut and resumed.
    const traffic = (async () => {
      for (let i = 0; i < 150; i++) await say(app, ann, chatId, `t${i}`);
      writing = false;
    })();
    for (let round = 0; round < 5; round++) {
      for (let n = 0; n < 12; n++) {
        const frame = await s.next(10000, 'traffic');
        if (frame.event === 'resumed') continue;
        got.push(frame);
      }
      const cursor = (got.at(-1)?.cursor as string | undefined) ?? s.session.cursor;
      if (round % 2) s.ws.terminate();
      else await s.close();
      await s.closed;
      // What the old socket still delivered is kept: a client handles what it received.
      s = await stream(server, app, { events: 'messages:new', cursor: got.at(-1)?.cursor ?? cursor });
    }
    await traffic;
    assert.equal(writing, false);
    for (;;) {
      const frame = await s.next(10000, 'the rest');
      if (frame.event === 'resumed') continue;
      got.push(frame);
      if (frame.data.message.message === 't149') break;
    }
    await s.expectQuiet();
    const expected = await storedAfter(app.id, start, ['messages:new']);
    const positions = got.map((f) => decodeCursor(app.id, f.cursor));
    assert.deepEqual(
      got.map((f) => f.data.message.message),
      Array.from({ length: 150 }, (_, i) => `t${i}`),
    );
    assert.deepEqual(
      positions,
      expected.map((e) => e.position),
    );
    await s.close();
  });

  it('a cursor beyond retention, of another app, or unreadable gets resync-required, then live', async () => {
    const app = await createTestApp(server);
    const otherApp = await createTestApp(server);
    const { user: ann, chatId } = await chatWithAgent(server, app);
    const s = await stream(server, app, { events: 'messages:new' });
    await say(app, ann, chatId, 'one');
    const cursor = (await nextEvent(s, 'messages:new')).cursor as string;
    await s.close();
    await say(app, ann, chatId, 'two');
    // The first event after the cursor is older than 24 h: what came after may be gone.
    await server.sb.store.db
      .updateTable('events')
      .set({ created: Math.floor(Date.now() / 1000) - 25 * 3600 })
      .where('appId', '=', app.id)
      .where('position', '=', decodeCursor(app.id, cursor)! + 1)
      .execute();
    const theirs = await stream(server, otherApp);
    await theirs.close();
    const ahead = Buffer.from(`1:${app.id}:999999`).toString('base64url');
    for (const stale of [cursor, theirs.session.cursor, 'not-a-cursor', 'bm90OmEtY3Vyc29y', ahead]) {
      const client = await stream(server, app, { cursor: stale, events: 'messages:new' });
      const frame = await client.next();
      assert.deepEqual(Object.keys(frame).sort(), ['cursor', 'event'], JSON.stringify(frame));
      assert.equal(frame.event, 'resync-required', `cursor ${stale}`);
      assert.equal(decodeCursor(app.id, frame.cursor), decodeCursor(app.id, client.session.cursor) ?? -1);
      await client.expectQuiet(150);
      await say(app, ann, chatId, `live ${stale}`);
      assert.equal((await nextEvent(client, 'messages:new')).data.message.message, `live ${stale}`);
      await client.close();
    }
  });

  it('a stream that cannot keep up is dropped with 1013, and resumes by cursor without loss', async () => {
    const slow = await startServer(kind, {}, { realtime: { maxBufferedBytes: 64 * 1024 } });
    try {
      await slow.sb.listen();
      const app = await createTestApp(slow);
      const { user: ann, chatId } = await chatWithAgent(slow, app);
      const s = await stream(slow, app, { events: 'messages:new' });
      const socket = (s.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      const big = 'x'.repeat(60_000);
      let sent = 0;
      while (sent < 400 && slow.sb.stream.connectionCount() > 0) {
        await expectStatus(slow, 201, 'POST', `/v1/chats/${chatId}/messages`, {
          headers: app.as(ann.token),
          body: { message: `${sent} ${big}` },
        });
        sent++;
      }
      assert.equal(slow.sb.stream.connectionCount(), 0, `dropped after ${sent} messages of 60 KB`);
      socket.resume();
      assert.equal((await s.closed).code, 1013);
      const got = s.received.filter((f) => f.trigger === 'messages:new');
      assert.ok(got.length < sent, 'it was dropped before getting everything');
      const back = await stream(slow, app, {
        events: 'messages:new',
        cursor: got.at(-1)?.cursor ?? s.session.cursor,
      });
      const { frames } = await replayed(back);
      const all = [...got, ...frames].map((f) => Number(String(f.data.message.message).split(' ')[0]));
      assert.deepEqual(
        all,
        Array.from({ length: sent }, (_, i) => i),
      );
      await back.close();
    } finally {
      await slow.close();
    }
  });
});
