import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';

/** The events chats and messages emit; routing (tested in its own suite) may add others around them. */
const OWN_TRIGGERS = new Set([
  'chats:create',
  'chats:join',
  'chats:leave',
  'chats:close',
  'system:info',
  'messages:new',
  'messages:read',
]);

const MESSAGE_KEYS = ['chat', 'created', 'id', 'message', 'sender', 'seq', 'type'];

describeEachStore('messages and history', (kind) => {
  let server: TestServer;
  let other: TestApp;
  before(async () => {
    server = await startServer(kind);
    other = await createTestApp(server, 'Other');
  });
  after(() => server.close());

  interface Scene {
    app: TestApp;
    user: Person;
    agent: Person;
    chat: Json;
  }

  /** A fresh app with one chat between an end user and an agent who joined it (no invitation loop). */
  async function scene(): Promise<Scene> {
    const app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    const user = await createUser(server, app);
    const agent = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, { headers: app.as(agent.token) });
    return { app, user, agent, chat };
  }

  async function send(chatId: string, headers: Record<string, string>, body: Json): Promise<Json> {
    const res = await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, { headers, body });
    return res.body;
  }

  async function messageRows(chatId: string) {
    return server.sb.store.db
      .selectFrom('messages')
      .selectAll()
      .where('chatId', '=', chatId)
      .orderBy('seq')
      .execute();
  }

  /** The app's own chat and message events, oldest first. */
  async function eventsOfApp(app: TestApp) {
    return (await eventsOf(server, app.id)).filter((e) => OWN_TRIGGERS.has(e.trigger));
  }

  async function triggers(app: TestApp, chatId: string): Promise<string[]> {
    return (await eventsOfApp(app)).filter((e) => e.chatId === chatId).map((e) => e.trigger);
  }

  // ---------------------------------------------------------------- POST /chats/{id}/messages

  it('sends a message: 201 {message, eventId} and messages:new with the same message', async () => {
    const { app, user, chat } = await scene();
    const before = (await eventsOfApp(app)).length;
    const res = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: 'Hello there', chatId: chat.id },
    });
    assert.deepEqual(Object.keys(res.body).sort(), ['eventId', 'message']);
    const { message, eventId } = res.body;
    assert.deepEqual(Object.keys(message).sort(), MESSAGE_KEYS);
    assert.match(message.id, /^[0-9A-Z]{26}$/);
    assert.equal(message.chat, chat.id);
    assert.equal(message.sender, user.id);
    assert.equal(message.type, 'text');
    assert.equal(message.message, 'Hello there');
    assert.strictEqual(message.seq, 1);
    assert.ok(Number.isInteger(message.created) && Math.abs(message.created - Date.now() / 1000) < 10);
    assert.equal(res.text.includes('chatId'), false, 'an unknown field is ignored, never echoed');

    const added = (await eventsOfApp(app)).slice(before);
    assert.deepEqual(added, [{ trigger: 'messages:new', chatId: chat.id, data: { message } }]);
    const event = await server.sb.store.db
      .selectFrom('events')
      .select(['id', 'trigger'])
      .where('id', '=', eventId)
      .executeTakeFirst();
    assert.deepEqual(event, { id: eventId, trigger: 'messages:new' }, 'eventId names the stored event');
  });

  it('numbers messages one by one within each chat', async () => {
    const a = await scene();
    const bUser = await createUser(server, a.app);
    const b = await createChat(server, a.app, bUser);
    await send(a.chat.id, a.app.as(a.user.token), { message: 'one' });
    await send(b.id, a.app.as(bUser.token), { message: 'b one' });
    const byAgent = await send(a.chat.id, a.app.as(a.agent.token), { message: 'two', type: 'object' });
    assert.equal(byAgent.message.sender, a.agent.id);
    assert.equal(byAgent.message.type, 'object');
    const bySystem = await send(a.chat.id, a.app.asApp, { message: 'three' });
    assert.equal(bySystem.message.sender, 'system');
    assert.equal(bySystem.message.type, 'system');
    const asUser = await send(a.chat.id, a.app.asApp, { message: 'four', sender: a.user.id });
    assert.equal(asUser.message.sender, a.user.id);
    assert.equal(asUser.message.type, 'text');
    await send(b.id, a.app.as(bUser.token), { message: 'b two' });
    assert.deepEqual(
      (await messageRows(a.chat.id)).map((r) => [r.seq, r.body]),
      [
        [1, 'one'],
        [2, 'two'],
        [3, 'three'],
        [4, 'four'],
      ],
    );
    assert.deepEqual(
      (await messageRows(b.id)).map((r) => r.seq),
      [1, 2],
    );
  });

  it('gives simultaneous messages distinct, gapless seqs', async () => {
    const { app, user, chat } = await scene();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.request('POST', `/v1/chats/${chat.id}/messages`, {
          headers: app.as(user.token),
          body: { message: `m${i}` },
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(20).fill(201),
    );
    const seqs = results.map((r) => r.body.message.seq as number).sort((x, y) => x - y);
    assert.deepEqual(
      seqs,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('stores a message once when the same clientId is sent twice', async () => {
    const { app, user, agent, chat } = await scene();
    const first = await send(chat.id, app.as(user.token), { message: 'hi', clientId: 'c-1' });
    const second = await send(chat.id, app.as(user.token), { message: 'hi', clientId: 'c-1' });
    assert.deepEqual(second, first, 'same message, same eventId');
    const next = await send(chat.id, app.as(user.token), { message: 'next', clientId: 'c-2' });
    assert.strictEqual(next.message.seq, 2, 'the repeat used no seq');
    // clientIds belong to their sender: the agent's c-1 is a message of its own.
    const agentMsg = await send(chat.id, app.as(agent.token), { message: 'agent', clientId: 'c-1' });
    assert.notEqual(agentMsg.message.id, first.message.id);
    assert.equal((await messageRows(chat.id)).length, 3);
    assert.equal((await triggers(app, chat.id)).filter((t) => t === 'messages:new').length, 3);
  });

  it('stores one message for 20 simultaneous sends with one clientId', async () => {
    const { app, user, chat } = await scene();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        server.request('POST', `/v1/chats/${chat.id}/messages`, {
          headers: app.as(user.token),
          body: { message: 'only once', clientId: 'burst-1' },
        }),
      ),
    );
    for (const r of results) assert.equal(r.status, 201, r.text);
    const messageIds = new Set(results.map((r) => r.body.message.id));
    const eventIds = new Set(results.map((r) => r.body.eventId));
    assert.equal(messageIds.size, 1, 'every answer names the same message');
    assert.equal(eventIds.size, 1);
    const rows = await messageRows(chat.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.seq, 1);
    assert.deepEqual(
      (await triggers(app, chat.id)).filter((t) => t === 'messages:new'),
      ['messages:new'],
    );
    const after = await send(chat.id, app.as(user.token), { message: 'after' });
    assert.strictEqual(after.message.seq, 2);
  });

  it('refuses senders outside the chat', async () => {
    const { app, user, chat } = await scene();
    const roomAgent = await createAgent(server, app);
    const stranger = await createUser(server, app);
    const strangerChat = await createChat(server, app, stranger);
    const url = `/v1/chats/${chat.id}/messages`;
    assertError(
      await server.request('POST', url, { headers: app.as(roomAgent.token), body: { message: 'x' } }),
      403,
    );
    assertError(
      await server.request('POST', url, { headers: app.as(stranger.token), body: { message: 'x' } }),
      404,
    );
    assertError(
      await server.request('POST', url, { headers: app.asApp, body: { message: 'x', sender: stranger.id } }),
      403,
    );
    assertError(
      await server.request('POST', url, {
        headers: app.as(user.token),
        body: { message: 'x', sender: 'system' },
      }),
      403,
    );
    assertError(
      await server.request('POST', url, {
        headers: app.as(user.token),
        body: { message: 'x', type: 'system' },
      }),
      403,
    );
    assertError(await server.request('POST', url, { headers: other.asApp, body: { message: 'x' } }), 404);
    assertError(
      await server.request('POST', `/v1/chats/${strangerChat.id}/messages`, {
        headers: app.as(user.token),
        body: { message: 'x' },
      }),
      404,
    );
    assertError(
      await server.request('POST', '/v1/chats/NOSUCHCHAT/messages', {
        headers: app.asApp,
        body: { message: 'x' },
      }),
      404,
    );
    assert.deepEqual(await messageRows(chat.id), []);
    assert.deepEqual(await triggers(app, chat.id), ['chats:create', 'chats:join']);
  });

  it('refuses messages in a closed chat and changes nothing', async () => {
    const { app, user, agent, chat } = await scene();
    await send(chat.id, app.as(user.token), { message: 'before close', clientId: 'k-1' });
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    const eventsBefore = (await eventsOfApp(app)).length;
    const url = `/v1/chats/${chat.id}/messages`;
    assertError(
      await server.request('POST', url, { headers: app.as(user.token), body: { message: 'late' } }),
      409,
    );
    assertError(
      await server.request('POST', url, { headers: app.as(agent.token), body: { message: 'late' } }),
      409,
    );
    assertError(await server.request('POST', url, { headers: app.asApp, body: { message: 'late' } }), 409);
    assertError(
      await server.request('POST', url, {
        headers: app.as(user.token),
        body: { message: 'late', clientId: 'k-2' },
      }),
      409,
    );
    // A retry of a message stored before the close is still answered with that message.
    const retry = await expectStatus(server, 201, 'POST', url, {
      headers: app.as(user.token),
      body: { message: 'before close', clientId: 'k-1' },
    });
    assert.equal(retry.body.message.seq, 1);
    assert.deepEqual(
      (await messageRows(chat.id)).map((r) => r.body),
      ['before close'],
    );
    assert.equal((await eventsOfApp(app)).length, eventsBefore);
    const chatNow = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, { headers: app.asApp });
    assert.equal(chatNow.body.chat.status, 'closed');
  });

  it('rejects wrong types with 400 instead of coercing them', async () => {
    const { app, user, chat } = await scene();
    const url = `/v1/chats/${chat.id}/messages`;
    for (const body of [
      { message: 42 },
      { message: true },
      { message: ['a'] },
      { message: 'x', type: 'media' },
      { message: 'x', clientId: 7 },
      {},
      { message: '' },
      { message: 'x'.repeat(65537) },
    ]) {
      const res = await server.request('POST', url, { headers: app.as(user.token), body });
      assertError(res, 400);
      assert.ok(Array.isArray(res.body.error.details), res.text);
    }
    const numeric = await server.request('POST', url, { headers: app.as(user.token), body: { message: 42 } });
    assert.ok(
      numeric.body.error.details.some((d: Json) => d.field === 'message'),
      numeric.text,
    );
    assertError(
      await server.request('POST', url, {
        headers: { ...app.as(user.token), 'content-type': 'application/json' },
        body: '{"message": ',
      }),
      400,
    );
    assert.deepEqual(await messageRows(chat.id), [], 'no rejected message was stored, not even as "42"');
  });

  it('treats an agent who left as an outsider', async () => {
    const { app, user, agent, chat } = await scene();
    const { message } = await send(chat.id, app.as(user.token), { message: 'are you there?' });
    await expectStatus(server, 200, 'PUT', `/v1/chats/${chat.id}/leave`, { headers: app.as(agent.token) });
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(agent.token),
        body: { message: 'still here' },
      }),
      403,
    );
    assertError(
      await server.request('PUT', `/v1/messages/${message.id}/read`, { headers: app.as(agent.token) }),
      403,
    );
    assert.equal((await messageRows(chat.id)).length, 1);
    assert.deepEqual(
      (await triggers(app, chat.id)).filter((t) => t.startsWith('messages:')),
      ['messages:new'],
    );
  });

  // ---------------------------------------------------------------- GET /chats/{id}/messages

  it('lists messages oldest first with after, limit and next', async () => {
    const { app, user, agent, chat } = await scene();
    for (let i = 1; i <= 5; i++)
      await send(chat.id, app.as(i % 2 ? user.token : agent.token), { message: `m${i}` });
    const get = (headers: Record<string, string>, query: Record<string, string> = {}) =>
      expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/messages`, { headers, query });

    const all = await get(app.asApp);
    assert.deepEqual(
      all.body.messages.map((m: Json) => m.message),
      ['m1', 'm2', 'm3', 'm4', 'm5'],
    );
    assert.equal(all.body.next, null);
    assert.deepEqual(Object.keys(all.body.messages[0]).sort(), MESSAGE_KEYS);

    const page1 = await get(app.as(user.token), { limit: '2' });
    assert.deepEqual(
      page1.body.messages.map((m: Json) => m.seq),
      [1, 2],
    );
    assert.equal(typeof page1.body.next, 'string');
    const page2 = await get(app.as(user.token), { limit: '2', after: '2' });
    assert.deepEqual(
      page2.body.messages.map((m: Json) => m.seq),
      [3, 4],
    );
    const page3 = await get(app.as(agent.token), { limit: '2', after: '4' });
    assert.deepEqual(
      page3.body.messages.map((m: Json) => m.seq),
      [5],
    );
    assert.equal(page3.body.next, null);
    // Following `next` as a cursor walks the same pages.
    const viaCursor = await get(app.asApp, { limit: '2', cursor: page1.body.next });
    assert.deepEqual(viaCursor.body.messages, page2.body.messages);
    assert.deepEqual((await get(app.asApp, { after: '5' })).body.messages, []);

    assertError(
      await server.request('GET', `/v1/chats/${chat.id}/messages?limit=0`, { headers: app.asApp }),
      400,
    );
    assertError(
      await server.request('GET', `/v1/chats/${chat.id}/messages?limit=201`, { headers: app.asApp }),
      400,
    );
    assertError(
      await server.request('GET', `/v1/chats/${chat.id}/messages?after=-1`, { headers: app.asApp }),
      400,
    );
    const stranger = await createUser(server, app);
    assertError(
      await server.request('GET', `/v1/chats/${chat.id}/messages`, { headers: app.as(stranger.token) }),
      404,
    );
    assertError(await server.request('GET', `/v1/chats/${chat.id}/messages`, { headers: other.asApp }), 404);
  });

  // ---------------------------------------------------------------- PUT /messages/{id}/read

  it('marks a message read: the first read by another participant fires messages:read once', async () => {
    const { app, user, agent, chat } = await scene();
    const { message } = await send(chat.id, app.as(user.token), { message: 'read me' });
    const url = `/v1/messages/${message.id}/read`;
    const expected = { message: { id: message.id, chat: chat.id, sender: user.id }, userId: agent.id };

    // No body and no Content-Type (docs/conventions.md).
    const first = await expectStatus(server, 200, 'PUT', url, { headers: app.as(agent.token) });
    assert.deepEqual(first.body, expected);
    const second = await expectStatus(server, 200, 'PUT', url, { headers: app.as(agent.token), body: {} });
    assert.deepEqual(second.body, expected);
    const byApp = await expectStatus(server, 200, 'PUT', url, {
      headers: app.asApp,
      body: { userId: agent.id },
    });
    assert.deepEqual(byApp.body, expected);
    // The sender reading their own message is not news.
    const own = await expectStatus(server, 200, 'PUT', url, { headers: app.as(user.token) });
    assert.deepEqual(own.body, { ...expected, userId: user.id });

    const reads = (await eventsOfApp(app)).filter((e) => e.trigger === 'messages:read');
    assert.deepEqual(reads, [
      {
        trigger: 'messages:read',
        chatId: chat.id,
        data: { messageId: message.id, chatId: chat.id, userId: agent.id },
      },
    ]);
  });

  it('fires messages:read once for simultaneous reads', async () => {
    const { app, user, agent, chat } = await scene();
    const { message } = await send(chat.id, app.as(agent.token), { message: 'read me' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.request('PUT', `/v1/messages/${message.id}/read`, { headers: app.as(user.token), body: {} }),
      ),
    );
    for (const r of results) assert.equal(r.status, 200, r.text);
    assert.equal((await triggers(app, chat.id)).filter((t) => t === 'messages:read').length, 1);
  });

  it('lets only participants mark messages read', async () => {
    const { app, user, chat } = await scene();
    const roomAgent = await createAgent(server, app);
    const stranger = await createUser(server, app);
    const { message } = await send(chat.id, app.as(user.token), { message: 'private' });
    const url = `/v1/messages/${message.id}/read`;
    assertError(await server.request('PUT', url, { headers: app.as(roomAgent.token), body: {} }), 403);
    assertError(
      await server.request('PUT', url, { headers: app.asApp, body: { userId: roomAgent.id } }),
      403,
    );
    assertError(await server.request('PUT', url, { headers: app.as(stranger.token), body: {} }), 404);
    assertError(await server.request('PUT', url, { headers: other.asApp, body: { userId: user.id } }), 404);
    assertError(await server.request('PUT', url, { headers: app.asApp, body: {} }), 400);
    assertError(
      await server.request('PUT', url, { headers: app.as(user.token), body: { userId: roomAgent.id } }),
      403,
    );
    assertError(
      await server.request('PUT', '/v1/messages/NOSUCHMESSAGE/read', { headers: app.asApp, body: {} }),
      404,
    );
    assert.deepEqual(
      (await triggers(app, chat.id)).filter((t) => t === 'messages:read'),
      [],
    );
    const reads = await server.sb.store.db
      .selectFrom('messageReads')
      .selectAll()
      .where('messageId', '=', message.id)
      .execute();
    assert.deepEqual(reads, []);
  });

  // ---------------------------------------------------------------- history

  it('exports the conversation as JSON: imported bot lines, then messages', async () => {
    const app = await createTestApp(server);
    const user = await createUser(server, app);
    const agent = await createAgent(server, app);
    const chat = await createChat(server, app, user, {
      history: [{ sender: 'assistant', message: 'How can I help?', created: 1_700_000_000 }],
    });
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, { headers: app.as(agent.token) });
    const m1 = await send(chat.id, app.as(user.token), { message: 'My order is late' });
    const m2 = await send(chat.id, app.as(agent.token), { message: '{"card":1}', type: 'object' });
    for (const headers of [app.asApp, app.as(user.token), app.as(agent.token)]) {
      const res = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/history`, { headers });
      assert.deepEqual(res.body, {
        history: [
          { sender: 'assistant', message: 'How can I help?', created: 1_700_000_000, type: 'text' },
          { sender: user.id, message: 'My order is late', created: m1.message.created, type: 'text' },
          { sender: agent.id, message: '{"card":1}', created: m2.message.created, type: 'object' },
        ],
      });
    }
    const json = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/history?format=json`, {
      headers: app.asApp,
    });
    assert.equal(json.body.history.length, 3);
    assertError(
      await server.request('GET', `/v1/chats/${chat.id}/history?format=xml`, { headers: app.asApp }),
      400,
    );
    const stranger = await createUser(server, app);
    assertError(
      await server.request('GET', `/v1/chats/${chat.id}/history`, { headers: app.as(stranger.token) }),
      404,
    );
  });

  it('exports the conversation as CSV with a header and proper quoting', async () => {
    const { app, user, agent, chat } = await scene();
    const tricky = 'Hello, "world"\nsecond line';
    const m1 = await send(chat.id, app.as(user.token), { message: tricky });
    const m2 = await send(chat.id, app.as(agent.token), { message: 'plain' });
    const m3 = await send(chat.id, app.as(user.token), { message: '=1+2' });
    const res = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/history`, {
      headers: app.asApp,
      query: { format: 'csv' },
    });
    assert.match(res.headers['content-type'] as string, /^text\/csv/);
    assert.equal(
      res.text,
      [
        'created,sender,type,message',
        `${m1.message.created},${user.id},text,"Hello, ""world""\nsecond line"`,
        `${m2.message.created},${agent.id},text,plain`,
        `${m3.message.created},${user.id},text,"'=1+2"`,
        '',
      ].join('\r\n'),
    );
  });

  it('imports history for the creator or the app, and refuses others', async () => {
    const { app, user, agent, chat } = await scene();
    const url = `/v1/chats/${chat.id}/history`;
    const entries = [
      { sender: 'assistant', message: 'Bot says hi', created: 1_700_000_000 },
      { sender: user.id, message: 'I need a human', created: 1_700_000_010, type: 'text' },
    ];
    const byCreator = await expectStatus(server, 200, 'POST', url, {
      headers: app.as(user.token),
      body: { history: entries },
    });
    assert.deepEqual(byCreator.body, { imported: 2 });
    const byApp = await expectStatus(server, 200, 'POST', url, {
      headers: app.asApp,
      body: { history: [{ sender: 'assistant', message: 'Bye', created: 1_700_000_020, type: 'object' }] },
    });
    assert.deepEqual(byApp.body, { imported: 1 });

    const stranger = await createUser(server, app);
    assertError(
      await server.request('POST', url, { headers: app.as(agent.token), body: { history: entries } }),
      403,
    );
    assertError(
      await server.request('POST', url, { headers: app.as(stranger.token), body: { history: entries } }),
      404,
    );
    assertError(await server.request('POST', url, { headers: other.asApp, body: { history: entries } }), 404);
    for (const history of [
      [{ sender: 'assistant', message: 'no created' }],
      [{ sender: 'assistant', message: 'bad type', created: 1, type: 'media' }],
      [{ sender: 'assistant', message: 'string time', created: '1' }],
      'not a list',
    ]) {
      assertError(await server.request('POST', url, { headers: app.asApp, body: { history } }), 400);
    }
    assertError(await server.request('POST', url, { headers: app.asApp, body: {} }), 400);

    const got = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, {
      headers: app.asApp,
      query: { fields: 'history' },
    });
    assert.deepEqual(got.body.chat.history, [
      { ...entries[0], type: 'text' },
      entries[1],
      { sender: 'assistant', message: 'Bye', created: 1_700_000_020, type: 'object' },
    ]);

    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    assertError(
      await server.request('POST', url, { headers: app.as(user.token), body: { history: entries } }),
      409,
    );
    const after = await expectStatus(server, 200, 'GET', url, { headers: app.asApp });
    assert.equal(after.body.history.length, 3, 'refused imports added nothing');
  });
});
