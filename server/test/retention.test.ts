import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { findInStore, rowCounts } from './helpers/scan.ts';

const DAY = 86_400;

async function upload(server: TestServer, app: TestApp, user: Person, chatId: string, text: string) {
  const form = new FormData();
  form.append('chatId', chatId);
  form.append('media', new Blob([text], { type: 'text/plain' }), 'notes.txt');
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  const res = await server.request('POST', '/v1/media', {
    headers: { ...app.as(user.token), 'content-type': request.headers.get('content-type') ?? '' },
    body: Buffer.from(await request.arrayBuffer()),
  });
  assert.equal(res.status, 201, res.text);
  return res.body.media.id as string;
}

describeEachStore('retention (settings.retention and its job)', (kind) => {
  let server: TestServer;
  let app: TestApp;
  const u = `${process.pid}${Date.now().toString(36)}`;
  /** Chat ids by what they are: old closed (2), recently closed, old but open. */
  const chat: Record<'old1' | 'old2' | 'recent' | 'open', string> = {
    old1: '',
    old2: '',
    recent: '',
    open: '',
  };
  const text = (name: string) => `${name} text ${u}`;
  let oldMedia: string;
  let recentMedia: string;
  let counts: Record<string, number>;
  let chatsBefore: Json[];

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false }, tickets: { createOnClose: true } },
    });
    for (const name of ['old1', 'old2', 'recent', 'open'] as const) {
      const user = await createUser(server, app, { name: `User ${name}` });
      chat[name] = (await createChat(server, app, user)).id;
      await expectStatus(server, 201, 'POST', `/v1/chats/${chat[name]}/messages`, {
        headers: app.as(user.token),
        body: { message: text(name) },
      });
      if (name === 'old1') oldMedia = await upload(server, app, user, chat[name], `old bytes ${u}`);
      if (name === 'recent') recentMedia = await upload(server, app, user, chat[name], `recent bytes ${u}`);
      if (name !== 'open')
        await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat[name]}`, { headers: app.asApp });
    }
    // The clock, as the store sees it: two chats closed 40 and 35 days ago, one file 10 days old.
    const now = Math.floor(Date.now() / 1000);
    const db = server.sb.store.db;
    await db
      .updateTable('chats')
      .set({ closed: now - 40 * DAY, created: now - 41 * DAY })
      .where('id', '=', chat.old1)
      .execute();
    await db
      .updateTable('chats')
      .set({ closed: now - 35 * DAY, created: now - 36 * DAY })
      .where('id', '=', chat.old2)
      .execute();
    await db
      .updateTable('chats')
      .set({ created: now - 50 * DAY })
      .where('id', '=', chat.open)
      .execute();
    await db
      .updateTable('media')
      .set({ created: now - 10 * DAY })
      .where('id', '=', recentMedia)
      .execute();
    counts = await rowCounts(server, ['chats', 'messages', 'media', 'tickets', 'events']);
    chatsBefore = (await expectStatus(server, 200, 'GET', '/v1/chats?limit=200', { headers: app.asApp })).body
      .chats;
  });
  after(() => server.close());

  it('validates the settings', async () => {
    for (const retention of [{ chatsDays: 0 }, { chatsDays: 1.5 }, { mediaDays: 'x' }, { chatsDays: 40_000 }])
      assertError(
        await server.request('PUT', '/v1/settings', { headers: app.asApp, body: { retention } }),
        400,
        /retention/,
      );
    const got = (await expectStatus(server, 200, 'GET', '/v1/settings', { headers: app.asApp })).body
      .settings;
    assert.deepEqual(got.retention, { chatsDays: null, mediaDays: null });
  });

  it('erases exactly the old closed chats and old files, a batch at a time, across a restart', async () => {
    // This node stops running timers: the job runs when the test says (a batch of one chat).
    await server.sb.timers.stop();
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { retention: { chatsDays: 30, mediaDays: 7 } },
    });
    await server.sb.store.db
      .updateTable('timers')
      .set({ payload: JSON.stringify({ batch: 1 }) })
      .where('kind', '=', 'retention')
      .execute();
    assert.equal(await server.sb.timers.runDue(), 1);
    const erasedAfterOne = await server.sb.store.db
      .selectFrom('chats')
      .select('id')
      .where('erased', 'is not', null)
      .execute();
    assert.deepEqual(
      erasedAfterOne.map((r) => r.id),
      [chat.old1],
      'the oldest first, one chat per batch',
    );
    // A restart mid-way: the new node's timer worker takes the job up where it stopped.
    await server.restart();
    await waitFor(
      async () => {
        const rows = await server.sb.store.db
          .selectFrom('chats')
          .select('id')
          .where('erased', 'is not', null)
          .execute();
        const media = await server.sb.store.db
          .selectFrom('media')
          .select('id')
          .where('erased', 'is not', null)
          .execute();
        return rows.length === 2 && media.length === 2;
      },
      15000,
      'the job to finish',
    );
    assert.deepEqual(
      await findInStore(server, [text('old1'), text('old2'), `old bytes ${u}`, `recent bytes ${u}`]),
      [],
    );
    // What is not old enough, or not closed, keeps its text.
    for (const name of ['recent', 'open'] as const) {
      const messages = (
        await expectStatus(server, 200, 'GET', `/v1/chats/${chat[name]}/messages`, { headers: app.asApp })
      ).body.messages as Json[];
      assert.equal(messages[0]!.message, text(name));
    }
    const old = (
      await expectStatus(server, 200, 'GET', `/v1/chats/${chat.old1}/messages`, { headers: app.asApp })
    ).body.messages as Json[];
    assert.equal(old.length, 2);
    assert.equal(old[0]!.message, '[erased]');
    assertError(await server.request('GET', `/v1/media/${oldMedia}`, { headers: app.asApp }), 410);
    assertError(await server.request('GET', `/v1/media/${recentMedia}`, { headers: app.asApp }), 410);
    // Ids, times and counts stay: reports stay true.
    assert.deepEqual(await rowCounts(server, ['chats', 'messages', 'media', 'tickets', 'events']), counts);
    const chatsAfter = (await expectStatus(server, 200, 'GET', '/v1/chats?limit=200', { headers: app.asApp }))
      .body.chats as Json[];
    assert.deepEqual(
      chatsAfter.map((c) => [c.id, c.created, c.closed, c.status]),
      chatsBefore.map((c) => [c.id, c.created, c.closed, c.status]),
    );
  });

  it('runs again without changing anything (idempotent), and stops with both settings null', async () => {
    const stamp = async () =>
      server.sb.store.db.selectFrom('chats').select(['id', 'erased']).orderBy('id').execute();
    const before_ = await stamp();
    await server.sb.timers.stop();
    await server.sb.store.db
      .updateTable('timers')
      .set({ due: Date.now() - 1000 })
      .where('kind', '=', 'retention')
      .execute();
    assert.equal(await server.sb.timers.runDue(), 1);
    assert.deepEqual(await stamp(), before_);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { retention: { chatsDays: null, mediaDays: null } },
    });
    await server.sb.store.db
      .updateTable('timers')
      .set({ due: Date.now() - 1000 })
      .where('kind', '=', 'retention')
      .execute();
    assert.equal(await server.sb.timers.runDue(), 1);
    const left = await server.sb.store.db
      .selectFrom('timers')
      .select('kind')
      .where('kind', '=', 'retention')
      .execute();
    assert.deepEqual(left, []);
  });
});
