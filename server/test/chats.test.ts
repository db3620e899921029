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

const CHAT_KEYS = [
  'created',
  'creator',
  'id',
  'inQueue',
  'lang',
  'priority',
  'queuePosition',
  'room',
  'source',
  'status',
  'tags',
  'users',
];

/** The events chats themselves emit; routing (tested in its own suite) may add others around them. */
const OWN_TRIGGERS = new Set(['chats:create', 'chats:join', 'chats:leave', 'chats:close', 'system:info']);

const ids = (list: Json[]): string[] => list.map((x) => x.id as string);
const now = (): number => Math.floor(Date.now() / 1000);

describeEachStore('chats', (kind) => {
  let server: TestServer;
  let other: TestApp;
  before(async () => {
    server = await startServer(kind);
    other = await createTestApp(server, 'Other');
  });
  after(() => server.close());

  /**
   * A fresh app (so its outbox holds only this test's events) with rooms 1 and 2. New chats do not
   * start the invitation loop: agents join them explicitly here.
   */
  async function newApp(): Promise<TestApp> {
    const app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
        assign: { onCreate: false },
      },
    });
    return app;
  }

  /** The app's own chat events, oldest first. */
  async function eventsOfApp(app: TestApp) {
    return (await eventsOf(server, app.id)).filter((e) => OWN_TRIGGERS.has(e.trigger));
  }

  async function join(app: TestApp, chatId: string, agent: Person): Promise<Json> {
    const res = await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.as(agent.token),
      body: {},
    });
    return res.body.chat;
  }

  async function getChat(app: TestApp, chatId: string): Promise<Json> {
    return (await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}`, { headers: app.asApp })).body.chat;
  }

  async function eventsOfChat(app: TestApp, chatId: string) {
    return (await eventsOfApp(app)).filter((e) => e.chatId === chatId);
  }

  // ---------------------------------------------------------------- POST /chats

  it('opens a chat for the token user with the defaults and exactly the Chat shape', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const res = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.as(user.token),
      body: {},
    });
    const chat = res.body.chat;
    assert.deepEqual(Object.keys(chat).sort(), CHAT_KEYS);
    assert.match(chat.id, /^[0-9A-Z]{26}$/);
    assert.equal(chat.creator, user.id);
    assert.strictEqual(chat.room, 1);
    assert.equal(chat.lang, 'en');
    assert.strictEqual(chat.source, 3);
    assert.equal(chat.status, 'waiting');
    assert.strictEqual(chat.inQueue, false);
    assert.strictEqual(chat.queuePosition, null);
    assert.strictEqual(chat.priority, 0);
    assert.deepEqual(chat.users, [user.id]);
    assert.ok(Number.isInteger(chat.created) && Math.abs(chat.created - now()) < 10, 'created in seconds');

    const events = await eventsOfApp(app);
    assert.deepEqual(events, [{ trigger: 'chats:create', chatId: chat.id, data: { chat } }]);
    assert.deepEqual(await getChat(app, chat.id), chat, 'GET returns the same object');
  });

  it('keeps the fields as sent and treats null and "" as absent', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const res = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.asApp,
      body: { creator: user.id, room: 2, lang: 'en', source: 7, externalId: 'crm-42', priority: 5 },
    });
    const chat = res.body.chat;
    assert.strictEqual(chat.source, 7);
    assert.strictEqual(chat.room, 2);
    assert.strictEqual(chat.priority, 5);
    assert.equal(chat.externalId, 'crm-42');
    assert.deepEqual(Object.keys(chat).sort(), [...CHAT_KEYS, 'externalId'].sort());
    assert.match(res.headers['content-type'] as string, /^application\/json; charset=utf-8/);

    const second = await createUser(server, app);
    const defaults = await createChat(server, app, second, {
      lang: null,
      room: '',
      source: null,
      externalId: '',
      chatId: 'ignored',
    });
    assert.equal(defaults.lang, 'en');
    assert.strictEqual(defaults.room, 1);
    assert.strictEqual(defaults.source, 3);
    assert.equal('externalId' in defaults, false);
    assert.equal('chatId' in defaults, false, 'unknown fields are never echoed');
  });

  it('answers on the collection path with a trailing slash', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const created = await expectStatus(server, 201, 'POST', '/v1/chats/', {
      headers: app.as(user.token),
      body: {},
    });
    const list = await expectStatus(server, 200, 'GET', '/v1/chats/', { headers: app.as(user.token) });
    assert.deepEqual(ids(list.body.chats), [created.body.chat.id]);
  });

  it('needs a known end user as creator when the app opens a chat', async () => {
    const app = await newApp();
    const agent = await createAgent(server, app);
    const foreigner = await createUser(server, other);
    const missing = await server.request('POST', '/v1/chats', { headers: app.asApp, body: {} });
    assertError(missing, 400);
    assert.ok(missing.body.error.details.some((d: Json) => d.field === 'creator'));
    assertError(
      await server.request('POST', '/v1/chats', { headers: app.asApp, body: { creator: 'NOSUCHUSER' } }),
      404,
    );
    assertError(
      await server.request('POST', '/v1/chats', { headers: app.asApp, body: { creator: foreigner.id } }),
      404,
      /not found/i,
    );
    assertError(
      await server.request('POST', '/v1/chats', { headers: app.asApp, body: { creator: agent.id } }),
      400,
    );
    assert.deepEqual(await eventsOfApp(app), [], 'no rejected request created a chat');
  });

  it('refuses agents and users opening chats for someone else', async () => {
    const app = await newApp();
    const agent = await createAgent(server, app);
    const user = await createUser(server, app);
    const someone = await createUser(server, app);
    assertError(await server.request('POST', '/v1/chats', { headers: app.as(agent.token), body: {} }), 403);
    assertError(
      await server.request('POST', '/v1/chats', {
        headers: app.as(user.token),
        body: { creator: someone.id },
      }),
      403,
    );
    assertError(await server.request('POST', '/v1/chats', { headers: app.asKey, body: {} }), 403);
    assertError(await server.request('POST', '/v1/chats', { headers: app.asAppId, body: {} }), 401);
    const list = await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp });
    assert.deepEqual(list.body.chats, []);
  });

  it('rejects an unknown room or lang and wrong types without coercing them', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const room = await server.request('POST', '/v1/chats', {
      headers: app.as(user.token),
      body: { room: 9 },
    });
    assertError(room, 400);
    assert.ok(room.body.error.details.some((d: Json) => d.field === 'room'));
    assertError(
      await server.request('POST', '/v1/chats', { headers: app.as(user.token), body: { lang: 'xx' } }),
      400,
    );
    for (const body of [
      { source: '3' },
      { room: '1' },
      { priority: 1.5 },
      { priority: '1' },
      { history: 'x' },
    ]) {
      const res = await server.request('POST', '/v1/chats', { headers: app.as(user.token), body });
      assertError(res, 400);
      assert.ok(
        res.body.error.details.some((d: Json) => d.field === Object.keys(body)[0]),
        `details name ${JSON.stringify(body)}: ${res.text}`,
      );
    }
    assert.deepEqual(await eventsOfApp(app), []);
    // The user still has no chat, so a valid request now succeeds.
    await createChat(server, app, user);
  });

  it('allows one open chat per user, and a new one after closing', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const first = await createChat(server, app, user);
    const again = await server.request('POST', '/v1/chats', { headers: app.as(user.token), body: {} });
    assertError(again, 409, /^User already has a chat$/);
    assertError(
      await server.request('POST', '/v1/chats', { headers: app.asApp, body: { creator: user.id, room: 2 } }),
      409,
      /User already has a chat/,
    );
    const list = await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp });
    assert.deepEqual(ids(list.body.chats), [first.id], 'the refused chats were not stored');
    assert.equal((await eventsOfApp(app)).filter((e) => e.trigger === 'chats:create').length, 1);

    await expectStatus(server, 200, 'DELETE', `/v1/chats/${first.id}`, { headers: app.as(user.token) });
    // No body and no Content-Type at all (docs/conventions.md).
    const second = (await expectStatus(server, 201, 'POST', '/v1/chats', { headers: app.as(user.token) }))
      .body.chat;
    assert.notEqual(second.id, first.id);
    assert.equal(second.status, 'waiting');
    // A different user is never blocked by this one's chat.
    await createChat(server, app, await createUser(server, app));
  });

  it('lets only one of many simultaneous creates win', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        server.request('POST', '/v1/chats', { headers: app.as(user.token), body: {} }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) assertError(r, 409, /User already has a chat/);
    const list = await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp });
    assert.equal(list.body.chats.length, 1);
    assert.equal((await eventsOfApp(app)).length, 1);
  });

  it('imports the bot history given at creation', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const history = [
      { sender: 'assistant', message: 'Hello, I am the bot', created: 1_700_000_000 },
      { sender: user.id, message: '{"choice":"billing"}', created: 1_700_000_005, type: 'object' },
    ];
    const chat = await createChat(server, app, user, { history });
    assert.equal('history' in chat, false, 'the plain chat does not carry history');
    const res = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, {
      headers: app.as(user.token),
      query: { fields: 'history' },
    });
    assert.deepEqual(res.body.chat.history, [{ ...history[0], type: 'text' }, history[1]]);
    assert.deepEqual(res.body.chat.users, [user.id], 'without fields=users the users stay ids');
    const bad = await server.request('POST', '/v1/chats', {
      headers: app.as((await createUser(server, app)).token),
      body: { history: [{ sender: 'assistant', message: 'no time' }] },
    });
    assertError(bad, 400);
  });

  // ---------------------------------------------------------------- GET /chats

  it('filters the list by status, room and userId', async () => {
    const app = await newApp();
    const agent = await createAgent(server, app, { rooms: [1, 2] });
    const [u1, u2, u3, u4] = [
      await createUser(server, app),
      await createUser(server, app),
      await createUser(server, app),
      await createUser(server, app),
    ] as [Person, Person, Person, Person];
    const waiting1 = await createChat(server, app, u1);
    const waiting2 = await createChat(server, app, u2, { room: 2 });
    const active = await createChat(server, app, u3);
    await join(app, active.id, agent);
    const closed = await createChat(server, app, u4);
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${closed.id}`, { headers: app.asApp });

    const list = async (query: Record<string, string>) =>
      ids((await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp, query })).body.chats);
    assert.deepEqual(await list({}), [waiting1.id, waiting2.id, active.id, closed.id]);
    assert.deepEqual(await list({ status: 'waiting' }), [waiting1.id, waiting2.id]);
    assert.deepEqual(await list({ status: 'active' }), [active.id]);
    assert.deepEqual(await list({ status: 'closed' }), [closed.id]);
    assert.deepEqual(await list({ room: '2' }), [waiting2.id]);
    assert.deepEqual(await list({ room: '1', status: 'waiting' }), [waiting1.id]);
    assert.deepEqual(await list({ userId: u1.id }), [waiting1.id]);
    assert.deepEqual(await list({ userId: agent.id }), [active.id]);
    assert.deepEqual(await list({ userId: 'NOBODY' }), []);
    const rows = (await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp })).body.chats;
    // The contract does not order `users`; compare them as a set.
    assert.deepEqual(rows.find((c: Json) => c.id === active.id).users.sort(), [u3.id, agent.id].sort());
    assertError(await server.request('GET', '/v1/chats?status=open', { headers: app.asApp }), 400);
    assertError(await server.request('GET', '/v1/chats?room=abc', { headers: app.asApp }), 400);
  });

  it('pages through chats with a cursor', async () => {
    const app = await newApp();
    const created: string[] = [];
    for (let i = 0; i < 5; i++)
      created.push((await createChat(server, app, await createUser(server, app))).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const query: Record<string, string> = { limit: '2', ...(cursor ? { cursor } : {}) };
      const res = await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp, query });
      sizes.push(res.body.chats.length);
      seen.push(...ids(res.body.chats));
      cursor = res.body.next;
      assert.ok(cursor === null || typeof cursor === 'string');
    } while (cursor !== null);
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(seen, created, 'every chat once, oldest first');
    const all = await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp });
    assert.equal(all.body.next, null);
    assertError(await server.request('GET', '/v1/chats?cursor=%25%25', { headers: app.asApp }), 400);
    assertError(await server.request('GET', '/v1/chats?limit=0', { headers: app.asApp }), 400);
    assertError(await server.request('GET', '/v1/chats?limit=201', { headers: app.asApp }), 400);
  });

  it('shows a user only their own chats, an agent also the chats of their rooms, no app another’s', async () => {
    const app = await newApp();
    const alice = await createUser(server, app);
    const bob = await createUser(server, app);
    const agent1 = await createAgent(server, app, { rooms: [1] });
    const agent2 = await createAgent(server, app, { rooms: [2] });
    const chatA = await createChat(server, app, alice);
    const chatB = await createChat(server, app, bob, { room: 2 });
    const foreignUser = await createUser(server, other);
    const foreign = await createChat(server, other, foreignUser);

    const listAs = async (headers: Record<string, string>) =>
      ids((await expectStatus(server, 200, 'GET', '/v1/chats', { headers })).body.chats);
    assert.deepEqual(await listAs(app.as(alice.token)), [chatA.id]);
    assert.deepEqual(await listAs(app.as(bob.token)), [chatB.id]);
    assert.deepEqual(await listAs(app.as(agent1.token)), [chatA.id]);
    assert.deepEqual(await listAs(app.as(agent2.token)), [chatB.id]);
    assert.deepEqual(await listAs(app.asApp), [chatA.id, chatB.id]);
    assert.deepEqual(await listAs(other.asApp), [foreign.id]);
    // A filter never widens what a token may see.
    assert.deepEqual(
      ids(
        (
          await expectStatus(server, 200, 'GET', '/v1/chats', {
            headers: app.as(alice.token),
            query: { userId: bob.id },
          })
        ).body.chats,
      ),
      [],
    );

    await expectStatus(server, 200, 'GET', `/v1/chats/${chatA.id}`, { headers: app.as(alice.token) });
    await expectStatus(server, 200, 'GET', `/v1/chats/${chatA.id}`, { headers: app.as(agent1.token) });
    assertError(await server.request('GET', `/v1/chats/${chatB.id}`, { headers: app.as(alice.token) }), 404);
    assertError(await server.request('GET', `/v1/chats/${chatB.id}`, { headers: app.as(agent1.token) }), 404);
    assertError(await server.request('GET', `/v1/chats/${chatA.id}`, { headers: other.asApp }), 404);
    assertError(await server.request('GET', `/v1/chats/${foreign.id}`, { headers: app.asApp }), 404);
    assertError(
      await server.request('GET', `/v1/chats/${chatA.id}`, {
        headers: { 'x-hyper-appid': other.id, 'x-hyper-token': alice.token },
      }),
      401,
    );
    assertError(await server.request('GET', '/v1/chats/NOSUCHCHAT', { headers: app.asApp }), 404);
    assertError(await server.request('GET', '/v1/chats', { headers: app.asKey }), 403);
  });

  // ---------------------------------------------------------------- GET /chats/{id}

  it('expands users and adds history with fields=users,history', async () => {
    const app = await newApp();
    const user = await createUser(server, app, { name: 'Ann', contact: 'ann@example.com' });
    const agent = await createAgent(server, app, { name: 'Bo', nickname: 'bo', maxChats: 2 });
    const chat = await createChat(server, app, user, {
      history: [{ sender: 'assistant', message: 'Hi', created: 1_700_000_000 }],
    });
    await join(app, chat.id, agent);
    for (const headers of [app.asApp, app.as(user.token), app.as(agent.token)]) {
      const res = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, {
        headers,
        query: { fields: 'users,history' },
      });
      const got = res.body.chat;
      assert.deepEqual(got.history, [
        { sender: 'assistant', message: 'Hi', created: 1_700_000_000, type: 'text' },
      ]);
      assert.deepEqual(ids(got.users), [user.id, agent.id]);
      const [u, a] = got.users;
      assert.equal(u.role, 'user');
      assert.equal(u.name, 'Ann');
      assert.deepEqual(u.chats, [chat.id]);
      assert.equal(a.role, 'agent');
      assert.equal(a.providerId, 'local');
      assert.equal(a.maxChats, 2);
      assert.deepEqual(a.rooms, [1]);
      assert.deepEqual(a.chats, [chat.id]);
      assert.equal(res.text.includes('password'), false, 'no password ever appears');
    }
    const onlyUsers = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, {
      headers: app.asApp,
      query: { fields: 'users' },
    });
    assert.equal('history' in onlyUsers.body.chat, false);
    assert.equal(onlyUsers.body.chat.users[1].id, agent.id);
  });

  // ---------------------------------------------------------------- PUT /chats/{id}

  it('lets an agent in the chat or the app change it, and nobody else', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const agent = await createAgent(server, app, { rooms: [1, 2] });
    const bystander = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}`, {
        headers: app.as(user.token),
        body: { priority: 9 },
      }),
      403,
    );
    await join(app, chat.id, agent);
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}`, {
        headers: app.as(bystander.token),
        body: { priority: 9 },
      }),
      403,
    );
    const byAgent = await expectStatus(server, 200, 'PUT', `/v1/chats/${chat.id}`, {
      headers: app.as(agent.token),
      body: { priority: 7, externalId: 'ticket-7' },
    });
    assert.strictEqual(byAgent.body.chat.priority, 7);
    assert.equal(byAgent.body.chat.externalId, 'ticket-7');
    assert.deepEqual(Object.keys(byAgent.body.chat).sort(), [...CHAT_KEYS, 'externalId'].sort());
    const byApp = await expectStatus(server, 200, 'PUT', `/v1/chats/${chat.id}`, {
      headers: app.asApp,
      body: { room: 2 },
    });
    assert.strictEqual(byApp.body.chat.room, 2);
    assert.strictEqual(byApp.body.chat.priority, 7, 'unnamed fields are kept');
    for (const body of [{ room: 5 }, { lang: 'xx' }, { priority: '1' }]) {
      assertError(await server.request('PUT', `/v1/chats/${chat.id}`, { headers: app.asApp, body }), 400);
    }
    const unchanged = await getChat(app, chat.id);
    assert.deepEqual([unchanged.room, unchanged.lang, unchanged.priority], [2, 'en', 7]);
    assertError(
      await server.request('PUT', '/v1/chats/NOSUCHCHAT', { headers: app.asApp, body: { priority: 1 } }),
      404,
    );

    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}`, { headers: app.asApp, body: { priority: 1 } }),
      409,
    );
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}`, {
        headers: app.as(agent.token),
        body: { priority: 1 },
      }),
      409,
    );
    assert.strictEqual((await getChat(app, chat.id)).priority, 7);
  });

  // ---------------------------------------------------------------- DELETE /chats/{id}

  it('closes a chat by the token user: chats:close with extraData, then system:info with the ticket', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const agent = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    await join(app, chat.id, agent);
    const before = (await eventsOfApp(app)).length;
    const extraData = { reason: 'resolved', score: 5 };
    const res = await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, {
      headers: app.as(user.token),
      body: { extraData },
    });
    const closed = res.body.chat;
    assert.equal(closed.status, 'closed');
    assert.equal(closed.closedBy, user.id);
    assert.ok(Number.isInteger(closed.closed) && Math.abs(closed.closed - now()) < 10);
    assert.equal(typeof closed.ticketId, 'string');
    assert.deepEqual(Object.keys(closed).sort(), [...CHAT_KEYS, 'closed', 'closedBy', 'ticketId'].sort());
    assert.deepEqual(await getChat(app, chat.id), closed);

    const added = (await eventsOfApp(app)).slice(before);
    assert.deepEqual(added, [
      { trigger: 'chats:close', chatId: chat.id, data: { chatId: chat.id, userId: user.id, extraData } },
      {
        trigger: 'system:info',
        chatId: chat.id,
        data: { chatId: chat.id, data: { type: 'ticket', ticketId: closed.ticketId } },
      },
    ]);
    const tickets = await expectStatus(server, 200, 'GET', '/v1/tickets', {
      headers: app.asApp,
      query: { externalId: chat.id },
    });
    assert.deepEqual(ids(tickets.body.tickets), [closed.ticketId]);

    const twice = await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: app.as(user.token) });
    assertError(twice, 409);
    assertError(await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp }), 409);
    assert.equal((await eventsOfApp(app)).length, before + 2, 'closing twice emits nothing');
    assert.equal((await getChat(app, chat.id)).closedBy, user.id);
  });

  it('takes the closer from ?userId=, or "system" for the app with none', async () => {
    const app = await newApp();
    const agent = await createAgent(server, app);
    const u1 = await createUser(server, app);
    const u2 = await createUser(server, app);
    const c1 = await createChat(server, app, u1);
    const c2 = await createChat(server, app, u2);
    await join(app, c1.id, agent);

    const byName = await expectStatus(server, 200, 'DELETE', `/v1/chats/${c1.id}?userId=${agent.id}`, {
      headers: app.asApp,
    });
    assert.equal(byName.body.chat.closedBy, agent.id);
    // No body and no Content-Type at all (docs/conventions.md).
    const bySystem = await expectStatus(server, 200, 'DELETE', `/v1/chats/${c2.id}`, { headers: app.asApp });
    assert.equal(bySystem.body.chat.closedBy, 'system');
    const closes = (await eventsOfApp(app)).filter((e) => e.trigger === 'chats:close');
    assert.deepEqual(
      closes.map((e) => e.data),
      [
        { chatId: c1.id, userId: agent.id },
        { chatId: c2.id, userId: 'system' },
      ],
      'no extraData key when none was sent',
    );

    const u3 = await createUser(server, app);
    const c3 = await createChat(server, app, u3);
    assertError(
      await server.request('DELETE', `/v1/chats/${c3.id}?userId=NOBODY`, { headers: app.asApp }),
      404,
    );
    assertError(
      await server.request('DELETE', `/v1/chats/${c3.id}?userId=${u1.id}`, { headers: app.as(u3.token) }),
      403,
    );
    assertError(
      await server.request('DELETE', `/v1/chats/${c3.id}`, {
        headers: app.asApp,
        body: { extraData: 'not an object' },
      }),
      400,
    );
    assert.equal((await getChat(app, c3.id)).status, 'waiting');
  });

  it('lets only participants close a chat', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const stranger = await createUser(server, app);
    const roomAgent = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    const before = (await eventsOfApp(app)).length;
    assertError(
      await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: app.as(roomAgent.token) }),
      403,
    );
    assertError(
      await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: app.as(stranger.token) }),
      404,
    );
    assertError(await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: other.asApp }), 404);
    assertError(await server.request('DELETE', '/v1/chats/NOSUCHCHAT', { headers: app.asApp }), 404);
    assert.equal((await getChat(app, chat.id)).status, 'waiting');
    assert.equal((await eventsOfApp(app)).length, before);
    // An agent who joined is a participant and may close it.
    await join(app, chat.id, roomAgent);
    const res = await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, {
      headers: app.as(roomAgent.token),
    });
    assert.equal(res.body.chat.closedBy, roomAgent.id);
  });

  it('makes no ticket when tickets.createOnClose is off', async () => {
    const app = await newApp();
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { tickets: { createOnClose: false } },
    });
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user);
    const res = await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, {
      headers: app.as(user.token),
    });
    assert.equal('ticketId' in res.body.chat, false);
    assert.deepEqual(
      (await eventsOfChat(app, chat.id)).map((e) => e.trigger),
      ['chats:create', 'chats:close'],
    );
    const tickets = await expectStatus(server, 200, 'GET', '/v1/tickets', {
      headers: app.asApp,
      query: { externalId: chat.id },
    });
    assert.deepEqual(tickets.body.tickets, []);
  });

  it('gives the agent’s slot back when a chat closes', async () => {
    const app = await newApp();
    const agent = await createAgent(server, app, { maxChats: 1 });
    const first = await createChat(server, app, await createUser(server, app));
    const second = await createChat(server, app, await createUser(server, app));
    await join(app, first.id, agent);
    const full = await server.request('POST', `/v1/chats/${second.id}/join`, {
      headers: app.as(agent.token),
      body: {},
    });
    assertError(full, 409);
    const waiting = await getChat(app, second.id);
    assert.equal(waiting.status, 'waiting');
    assert.deepEqual(waiting.users, [second.creator]);
    assert.deepEqual(
      (await eventsOfChat(app, second.id)).map((e) => e.trigger),
      ['chats:create'],
      'a refused join emits nothing',
    );
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${first.id}`, { headers: app.as(agent.token) });
    const joined = await join(app, second.id, agent);
    assert.equal(joined.status, 'active');
  });

  // ---------------------------------------------------------------- join / leave / users

  it('lets an agent of the room join: the chat becomes active and chats:join fires', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const agent = await createAgent(server, app);
    const second = await createAgent(server, app, { rooms: [1, 2] });
    const chat = await createChat(server, app, user);
    const joined = await join(app, chat.id, agent);
    assert.equal(joined.status, 'active');
    assert.deepEqual(joined.users, [user.id, agent.id]);
    assert.deepEqual(Object.keys(joined).sort(), CHAT_KEYS);
    // Joining again changes nothing and fires nothing.
    assert.deepEqual((await join(app, chat.id, agent)).users, [user.id, agent.id]);
    // The app joins an agent by naming them.
    const byApp = await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: app.asApp,
      body: { userId: second.id },
    });
    assert.deepEqual(byApp.body.chat.users, [user.id, agent.id, second.id]);
    const events = await eventsOfChat(app, chat.id);
    assert.deepEqual(
      events.map((e) => [e.trigger, e.data]),
      [
        ['chats:create', { chat }],
        ['chats:join', { chatId: chat.id, userId: agent.id }],
        ['chats:join', { chatId: chat.id, userId: second.id }],
      ],
    );
    const users = await expectStatus(server, 200, 'GET', `/v1/users/${user.id}`, { headers: app.asApp });
    assert.deepEqual(users.body.user.chats, [chat.id]);
  });

  it('refuses joins by anyone but an agent of the room with a free slot', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const otherRoom = await createAgent(server, app, { rooms: [2] });
    const agent = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    const before = (await eventsOfApp(app)).length;
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, {
        headers: app.asApp,
        body: { userId: otherRoom.id },
      }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, {
        headers: app.as(otherRoom.token),
        body: {},
      }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, { headers: app.as(user.token), body: {} }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, {
        headers: app.asApp,
        body: { userId: user.id },
      }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, {
        headers: app.as(agent.token),
        body: { userId: otherRoom.id },
      }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, { headers: app.asApp, body: {} }),
      400,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, {
        headers: app.asApp,
        body: { userId: 'NOBODY' },
      }),
      404,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, {
        headers: other.asApp,
        body: { userId: agent.id },
      }),
      404,
    );
    const unchanged = await getChat(app, chat.id);
    assert.equal(unchanged.status, 'waiting');
    assert.deepEqual(unchanged.users, [user.id]);
    assert.equal((await eventsOfApp(app)).length, before);
  });

  it('never lets an agent hold more than maxChats chats', async () => {
    const app = await newApp();
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { maxChatsPerAgent: 2 } },
    });
    const agent = await createAgent(server, app);
    const chats: Json[] = [];
    for (let i = 0; i < 4; i++) chats.push(await createChat(server, app, await createUser(server, app)));
    const results = await Promise.all(
      chats.map((c) =>
        server.request('POST', `/v1/chats/${c.id}/join`, { headers: app.as(agent.token), body: {} }),
      ),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 409, 409]);
    const joins = (await eventsOfApp(app)).filter((e) => e.trigger === 'chats:join');
    assert.equal(joins.length, 2);
    const active = await expectStatus(server, 200, 'GET', '/v1/chats', {
      headers: app.asApp,
      query: { status: 'active' },
    });
    assert.equal(active.body.chats.length, 2);
  });

  it('emits chats:leave and puts the chat back to waiting when the last agent leaves', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const a1 = await createAgent(server, app);
    const a2 = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    await join(app, chat.id, a1);
    await join(app, chat.id, a2);
    const before = (await eventsOfApp(app)).length;

    // No body and no Content-Type (docs/conventions.md).
    const first = await expectStatus(server, 200, 'PUT', `/v1/chats/${chat.id}/leave`, {
      headers: app.as(a1.token),
    });
    assert.equal(first.body.chat.status, 'active', 'another agent is still there');
    assert.deepEqual(first.body.chat.users, [user.id, a2.id]);
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}/leave`, { headers: app.as(a1.token), body: {} }),
      409,
    );
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}/leave`, {
        headers: app.as(a1.token),
        body: { userId: a2.id },
      }),
      403,
    );
    const last = await expectStatus(server, 200, 'PUT', `/v1/chats/${chat.id}/leave`, {
      headers: app.asApp,
      body: { userId: a2.id },
    });
    assert.equal(last.body.chat.status, 'waiting');
    assert.deepEqual(last.body.chat.users, [user.id]);
    const added = (await eventsOfApp(app)).slice(before);
    assert.deepEqual(added, [
      { trigger: 'chats:leave', chatId: chat.id, data: { chatId: chat.id, userId: a1.id } },
      { trigger: 'chats:leave', chatId: chat.id, data: { chatId: chat.id, userId: a2.id } },
    ]);
    const agentView = await expectStatus(server, 200, 'GET', `/v1/agents/${a1.id}`, { headers: app.asApp });
    assert.deepEqual(agentView.body.agent.chats, []);
  });

  it('closes the chat when its creator leaves, freeing the agent', async () => {
    const app = await newApp();
    const user = await createUser(server, app);
    const agent = await createAgent(server, app, { maxChats: 1 });
    const chat = await createChat(server, app, user);
    await join(app, chat.id, agent);
    const before = (await eventsOfApp(app)).length;
    const res = await server.request('PUT', `/v1/chats/${chat.id}/leave`, { headers: app.as(user.token) });
    assert.equal(res.status, 200, res.text);
    const left = res.body.chat;
    assert.equal(left.status, 'closed');
    assert.equal(left.closedBy, user.id);
    assert.equal(typeof left.ticketId, 'string');
    const added = (await eventsOfApp(app)).slice(before);
    assert.deepEqual(
      added.map((e) => e.trigger),
      ['chats:leave', 'chats:close', 'system:info'],
    );
    assert.deepEqual(added[0]!.data, { chatId: chat.id, userId: user.id });
    assert.equal(added[1]!.data.userId, user.id);
    assert.equal(added[1]!.data.chatId, chat.id);
    assert.deepEqual(added[2]!.data, { chatId: chat.id, data: { type: 'ticket', ticketId: left.ticketId } });
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}/leave`, { headers: app.as(agent.token), body: {} }),
      409,
    );
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/join`, { headers: app.as(agent.token), body: {} }),
      409,
    );
    // The agent's only slot is free again.
    const next = await createChat(server, app, await createUser(server, app));
    assert.equal((await join(app, next.id, agent)).status, 'active');
  });

  it('lists the participants of a chat as User objects', async () => {
    const app = await newApp();
    const user = await createUser(server, app, { name: 'Cleo' });
    const agent = await createAgent(server, app);
    const stranger = await createUser(server, app);
    const chat = await createChat(server, app, user);
    await join(app, chat.id, agent);
    for (const headers of [app.asApp, app.as(user.token), app.as(agent.token)]) {
      const res = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/users`, { headers });
      assert.deepEqual(ids(res.body.users), [user.id, agent.id]);
      assert.equal(res.body.users[0].name, 'Cleo');
      assert.deepEqual(
        res.body.users.map((u: Json) => u.role),
        ['user', 'agent'],
      );
      assert.equal(res.text.includes('password'), false);
    }
    assertError(
      await server.request('GET', `/v1/chats/${chat.id}/users`, { headers: app.as(stranger.token) }),
      404,
    );
    assertError(await server.request('GET', `/v1/chats/${chat.id}/users`, { headers: other.asApp }), 404);
  });
});
