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

/** docs/conventions.md, "Tolerance": each rule there has a test here. */
describeEachStore('tolerance', (kind) => {
  let server: TestServer;
  let app: TestApp;

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Tolerant app');
  });
  after(() => server.close());

  /** An end user with an open chat that an agent has joined. */
  async function activeChat(): Promise<{ user: Person; agent: Person; chat: Json }> {
    const user = await createUser(server, app);
    const agent = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: app.as(agent.token),
      body: {},
    });
    return { user, agent, chat };
  }

  it('answers every collection path with a trailing slash directly, without a redirect', async () => {
    const { user, chat } = await activeChat();
    const admin = { 'x-hyper-admin': server.adminKey };
    const paths: Array<[string, Record<string, string>, string]> = [
      ['/v1/users/', app.asApp, 'users'],
      ['/v1/chats/', app.asApp, 'chats'],
      ['/v1/agents/', app.asApp, 'agents'],
      ['/v1/apps/', admin, 'apps'],
      ['/v1/tickets/', app.asApp, 'tickets'],
      ['/v1/media/', app.asApp, 'media'],
      ['/v1/settings/', app.asApp, 'settings'],
      ['/v1/agents/available/', app.asAppId, 'agents'],
      ['/v1/agents/online/', app.asAppId, 'agentsOnline'],
      [`/v1/chats/${chat.id}/messages/`, app.asApp, 'messages'],
      [`/v1/chats/${chat.id}/users/`, app.asApp, 'users'],
      [`/v1/chats/${chat.id}/history/`, app.asApp, 'history'],
      [`/v1/users/${user.id}/`, app.asApp, 'user'],
      [`/v1/chats/${chat.id}/`, app.asApp, 'chat'],
    ];
    for (const [path, headers, key] of paths) {
      const res = await server.request('GET', path, { headers });
      assert.equal(res.status, 200, `${path} → ${res.status} ${res.text}`);
      assert.equal(res.headers.location, undefined, path);
      assert.ok(key in res.body, `${path} answers with ${key}: ${res.text}`);
    }
    // Same answer with and without the slash.
    const bare = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/users`, { headers: app.asApp });
    const slash = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/users/`, {
      headers: app.asApp,
    });
    assert.deepEqual(slash.body, bare.body);
  });

  it('accepts POST, PUT and DELETE on trailing-slash paths as themselves (no 3xx turning them into GET)', async () => {
    const created = await server.request('POST', '/v1/users/', {
      headers: app.asApp,
      body: { name: 'Slash' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.user.name, 'Slash');
    const user = { id: created.body.user.id, token: created.body.session.token };
    const chat = await server.request('POST', '/v1/chats/', { headers: app.as(user.token), body: {} });
    assert.equal(chat.status, 201, chat.text);
    const sent = await server.request('POST', `/v1/chats/${chat.body.chat.id}/messages/`, {
      headers: app.as(user.token),
      body: { message: 'hi' },
    });
    assert.equal(sent.status, 201, sent.text);
    const put = await server.request('PUT', `/v1/users/${user.id}/`, {
      headers: app.asApp,
      body: { name: 'Renamed' },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.user.name, 'Renamed');
    const closed = await server.request('DELETE', `/v1/chats/${chat.body.chat.id}/`, { headers: app.asApp });
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.body.chat.status, 'closed');
    const agentRes = await server.request('POST', '/v1/agents/', {
      headers: app.asApp,
      body: { name: 'A', contact: `slash-${Date.now()}@example.com`, password: 'pw-123456', rooms: [1] },
    });
    assert.equal(agentRes.status, 201, agentRes.text);
    const appRes = await server.request('POST', '/v1/apps/', {
      headers: { 'x-hyper-admin': server.adminKey },
      body: { name: 'Slashed app' },
    });
    assert.equal(appRes.status, 201, appRes.text);
  });

  it('accepts optional-body POST, PUT and DELETE with no body and no content type', async () => {
    const { user, agent, chat } = await activeChat();
    const token = await server.request('POST', `/v1/users/${user.id}/token`, { headers: app.asApp });
    assert.equal(token.status, 200, token.text);
    assert.equal(typeof token.body.session.token, 'string');
    const read = await server.request('GET', `/v1/chats/${chat.id}`, {
      headers: app.as(token.body.session.token),
    });
    assert.equal(read.status, 200, 'the new token works');
    const profile = await server.request('PUT', `/v1/users/${user.id}`, { headers: app.as(user.token) });
    assert.equal(profile.status, 200, profile.text);
    const left = await server.request('PUT', `/v1/chats/${chat.id}/leave`, { headers: app.as(agent.token) });
    assert.equal(left.status, 200, left.text);
    assert.deepEqual(left.body.chat.users, [user.id]);
    const joined = await server.request('POST', `/v1/chats/${chat.id}/join`, {
      headers: app.as(agent.token),
    });
    assert.equal(joined.status, 200, joined.text);
    const logout = await server.request('POST', '/v1/agents/logout', { headers: app.as(agent.token) });
    assert.equal(logout.status, 200, logout.text);
    assert.deepEqual(logout.body, { success: true });
    const agentNow = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: app.asApp });
    assert.equal(agentNow.body.agent.status, 'offline');
    const closed = await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: app.as(user.token) });
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.body.chat.status, 'closed');
    assert.equal(closed.body.chat.closedBy, user.id);
    // The app server closing with no body and no ?userId: the closer is "system".
    const other = await activeChat();
    const bySystem = await server.request('DELETE', `/v1/chats/${other.chat.id}`, { headers: app.asApp });
    assert.equal(bySystem.status, 200, bySystem.text);
    assert.equal(bySystem.body.chat.closedBy, 'system');
    const fresh = await createUser(server, app);
    const opened = await server.request('POST', '/v1/chats', { headers: app.as(fresh.token) });
    assert.equal(opened.status, 201, opened.text);
    assert.equal(opened.body.chat.creator, fresh.id);
  });

  it('treats an empty body labelled application/json (or another type) as no body', async () => {
    const { user, agent, chat } = await activeChat();
    const json = (headers: Record<string, string>, type = 'application/json') => ({
      headers: { ...headers, 'content-type': type },
      body: '',
    });
    const token = await server.request('POST', `/v1/users/${user.id}/token`, json(app.asApp));
    assert.equal(token.status, 200, token.text);
    // Some clients label an empty body text/plain; still no body.
    const plain = await server.request('POST', `/v1/users/${user.id}/token`, json(app.asApp, 'text/plain'));
    assert.equal(plain.status, 200, plain.text);
    const left = await server.request('PUT', `/v1/chats/${chat.id}/leave`, json(app.as(agent.token)));
    assert.equal(left.status, 200, left.text);
    const joined = await server.request(
      'POST',
      `/v1/chats/${chat.id}/join`,
      json(app.as(agent.token), 'application/json; charset=utf-8'),
    );
    assert.equal(joined.status, 200, joined.text);
    const logout = await server.request('POST', '/v1/agents/logout', {
      headers: { ...app.as(agent.token), 'content-type': 'application/json' },
      body: '  \n',
    });
    assert.equal(logout.status, 200, logout.text);
    const closed = await server.request('DELETE', `/v1/chats/${chat.id}`, json(app.as(user.token)));
    assert.equal(closed.status, 200, closed.text);
    assert.equal(closed.body.chat.status, 'closed');
    const fresh = await createUser(server, app);
    const opened = await server.request('POST', '/v1/chats', json(app.as(fresh.token)));
    assert.equal(opened.status, 201, opened.text);
    // A JSON null is "no body" as well.
    const nullBody = await server.request('POST', '/v1/users', {
      headers: { ...app.asApp, 'content-type': 'application/json' },
      body: 'null',
    });
    assert.equal(nullBody.status, 201, nullBody.text);
  });

  it('still validates required fields when the body is missing', async () => {
    const { chat, user } = await activeChat();
    const res = await server.request('POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
    });
    assertError(res, 400);
    assert.ok(
      res.body.error.details.some((d: Json) => d.field === 'message'),
      res.text,
    );
    assertError(await server.request('POST', '/v1/agents', { headers: app.asApp }), 400);
  });

  it('ignores unknown body fields and never stores or echoes them', async () => {
    const created = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: {
        name: 'Extra',
        id: 'chosen-id',
        role: 'agent',
        appId: 'someone-else',
        created: 1,
        password: 'secret',
        favouriteColour: 'green',
        extraInfo: { plan: 'gold' },
      },
    });
    const user = created.body.user;
    assert.notEqual(user.id, 'chosen-id');
    assert.equal(user.role, 'user');
    assert.notEqual(user.created, 1);
    for (const key of ['favouriteColour', 'password', 'appId']) assert.ok(!(key in user), key);
    assert.deepEqual(user.extraInfo, { plan: 'gold' }, 'extraInfo is free-form and kept whole');
    const fetched = await expectStatus(server, 200, 'GET', `/v1/users/${user.id}`, { headers: app.asApp });
    assert.deepEqual(fetched.body.user, user);
    assert.ok(!fetched.text.includes('favouriteColour') && !fetched.text.includes('green'));

    const { chat, user: sender } = await activeChat();
    const elsewhere = await activeChat();
    const sent = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(sender.token),
      body: { chatId: elsewhere.chat.id, message: 'hello', unknown: { deep: true } },
    });
    assert.equal(sent.body.message.chat, chat.id, 'the path decides the chat, not a repeated chatId');
    assert.deepEqual(Object.keys(sent.body.message).sort(), [
      'chat',
      'created',
      'id',
      'message',
      'sender',
      'seq',
      'type',
    ]);
    assert.ok(!sent.text.includes(elsewhere.chat.id));
    const theirs = await expectStatus(server, 200, 'GET', `/v1/chats/${elsewhere.chat.id}/messages`, {
      headers: app.asApp,
    });
    assert.deepEqual(theirs.body.messages, []);
    const event = (await eventsOf(server, app.id)).find(
      (e) => e.trigger === 'messages:new' && e.data.message.id === sent.body.message.id,
    );
    assert.ok(event);
    assert.ok(!JSON.stringify(event.data).includes('unknown'), 'unknown fields never reach events');

    const chatRes = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.as((await createUser(server, app)).token),
      body: { status: 'closed', id: 'mine', users: ['x'], foo: 'bar' },
    });
    assert.equal(chatRes.body.chat.status, 'waiting');
    assert.notEqual(chatRes.body.chat.id, 'mine');
    assert.ok(!('foo' in chatRes.body.chat));
  });

  it('treats null and "" for optional fields as absent', async () => {
    const u1 = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: { name: 'Blank', externalId: '', contact: null, extraInfo: null },
    });
    assert.equal(u1.body.user.externalId, undefined);
    assert.equal(u1.body.user.contact, undefined);
    assert.deepEqual(u1.body.user.extraInfo, {});
    // Two users with externalId "" do not collide: neither has an externalId.
    await expectStatus(server, 201, 'POST', '/v1/users', { headers: app.asApp, body: { externalId: '' } });
    const nameless = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: { name: null },
    });
    assert.equal(nameless.body.user.name, 'Guest', 'name null → the default name');

    const user = { id: u1.body.user.id, token: u1.body.session.token };
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.as(user.token),
      body: {
        lang: null,
        room: null,
        source: null,
        priority: null,
        externalId: '',
        history: null,
        creator: '',
      },
    });
    assert.equal(chat.body.chat.lang, 'en', 'lang null → the default language');
    assert.equal(chat.body.chat.room, 1);
    assert.equal(chat.body.chat.source, 3);
    assert.equal(chat.body.chat.priority, 0);
    assert.equal(chat.body.chat.externalId, undefined);

    const renamed = await expectStatus(server, 200, 'PUT', `/v1/users/${user.id}`, {
      headers: app.asApp,
      body: { name: 'Kept', contact: '' },
    });
    assert.equal(renamed.body.user.name, 'Kept');
    const unchanged = await expectStatus(server, 200, 'PUT', `/v1/users/${user.id}`, {
      headers: app.asApp,
      body: { name: null, externalId: '' },
    });
    assert.equal(unchanged.body.user.name, 'Kept', 'null leaves the name as it was');

    const sent = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.body.chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: 'hi', sender: null, type: '', clientId: null },
    });
    assert.equal(sent.body.message.type, 'text');
    assert.equal(sent.body.message.sender, user.id);

    const closed = await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.body.chat.id}`, {
      headers: app.as(user.token),
      body: { extraData: null },
    });
    assert.equal(closed.body.chat.status, 'closed');
    const close = (await eventsOf(server, app.id)).find(
      (e) => e.trigger === 'chats:close' && e.chatId === chat.body.chat.id,
    );
    assert.ok(close);
    assert.ok(!('extraData' in close.data), 'extraData null is absent, not null');
  });

  it('keeps types as sent: numbers stay numbers, and a wrong type is a 400', async () => {
    const user = await createUser(server, app);
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.as(user.token),
      body: { source: 3, priority: 2 },
    });
    assert.equal(chat.body.chat.source, 3);
    assert.equal(typeof chat.body.chat.source, 'number');
    assert.match(chat.text, /"source":3[,}]/);
    const fetched = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.body.chat.id}`, {
      headers: app.asApp,
    });
    assert.strictEqual(fetched.body.chat.source, 3, 'the stored value reads back as a number');
    assert.strictEqual(fetched.body.chat.priority, 2);
    assert.strictEqual(fetched.body.chat.room, 1);

    const other = await createUser(server, app);
    const bad = async (body: Json, field: string) => {
      const res = await server.request('POST', '/v1/chats', { headers: app.as(other.token), body });
      assertError(res, 400);
      assert.ok(
        res.body.error.details.some((d: Json) => d.field === field),
        `${JSON.stringify(body)} → ${res.text}`,
      );
    };
    await bad({ source: '3' }, 'source');
    await bad({ priority: '1' }, 'priority');
    await bad({ room: '1' }, 'room');
    await bad({ source: 3.5 }, 'source');
    await bad({ lang: 7 }, 'lang');
    const list = await expectStatus(server, 200, 'GET', `/v1/chats?userId=${other.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(list.body.chats, [], 'no rejected request created a chat');

    const contact = `types-${Date.now()}@example.com`;
    const agent = await server.request('POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'T', contact, password: 'pw-123456', rooms: [1], maxChats: '3' },
    });
    assertError(agent, 400);
    assert.ok(agent.body.error.details.some((d: Json) => d.field === 'maxChats'));
    const roomsAsText = await server.request('POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'T', contact, password: 'pw-123456', rooms: ['1'] },
    });
    assertError(roomsAsText, 400);
    const ok = await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'T', contact, password: 'pw-123456', rooms: [1], maxChats: 3 },
    });
    assert.strictEqual(ok.body.agent.maxChats, 3);
    assert.deepEqual(ok.body.agent.rooms, [1]);
    assertError(await server.request('POST', '/v1/users', { headers: app.asApp, body: { name: 5 } }), 400);
    assertError(
      await server.request('PUT', '/v1/settings', {
        headers: app.asApp,
        body: { queue: { active: 'true' } },
      }),
      400,
    );
    // Query strings are text by nature: there, numbers are read from text.
    const byRoom = await expectStatus(server, 200, 'GET', '/v1/chats?room=1&limit=5', { headers: app.asApp });
    assert.ok(byRoom.body.chats.every((c: Json) => c.room === 1));
    assertError(await server.request('GET', '/v1/chats?room=abc', { headers: app.asApp }), 400);
  });

  it('lets PUT /users/{id} repeat the user’s own externalId', async () => {
    const ext = `ext-${Date.now()}`;
    const created = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: { name: 'Ext', externalId: ext },
    });
    const id = created.body.user.id;
    const token = created.body.session.token;
    const same = await expectStatus(server, 200, 'PUT', `/v1/users/${id}`, {
      headers: app.asApp,
      body: { externalId: ext, name: 'Ext 2' },
    });
    assert.equal(same.body.user.externalId, ext);
    assert.equal(same.body.user.name, 'Ext 2');
    const self = await expectStatus(server, 200, 'PUT', `/v1/users/${id}`, {
      headers: app.as(token),
      body: { externalId: ext },
    });
    assert.equal(self.body.user.externalId, ext);
    // Someone else's externalId is still a conflict.
    const other = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: { externalId: `${ext}-b` },
    });
    assertError(
      await server.request('PUT', `/v1/users/${other.body.user.id}`, {
        headers: app.asApp,
        body: { externalId: ext },
      }),
      409,
    );
    assertError(
      await server.request('POST', '/v1/users', { headers: app.asApp, body: { externalId: ext } }),
      409,
    );
  });

  it('serves the public routes to the app id alone, and nothing else', async () => {
    const pub = await createTestApp(server, 'Public app');
    const contact = `pub-${Date.now()}@example.com`;
    await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: pub.asApp,
      body: { name: 'P', contact, password: 'pw-123456', rooms: [1] },
    });
    const h = pub.asAppId;
    const user = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: h,
      body: { name: 'Visitor' },
    });
    assert.equal(user.body.user.role, 'user');
    assert.equal(typeof user.body.session.token, 'string');
    const login = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: h,
      body: { contact, password: 'pw-123456' },
    });
    assert.equal(login.body.user.status, 'online');
    const available = await expectStatus(server, 200, 'GET', '/v1/agents/available?roomIds=1', {
      headers: h,
    });
    assert.deepEqual(available.body, { agents: { '1': 1 } });
    const online = await expectStatus(server, 200, 'GET', '/v1/agents/online?roomId=1', { headers: h });
    assert.deepEqual(online.body, { agentsOnline: true });
    const valid = await expectStatus(server, 200, 'GET', `/v1/apps/${pub.id}/validate`, { headers: h });
    assert.deepEqual(valid.body, { valid: true, app: { id: pub.id, name: 'Public app' } });
    const settings = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: h });
    assert.deepEqual(Object.keys(settings.body.settings).sort(), ['langs', 'queue', 'rooms']);
    // Not a public route: the app id alone is not enough.
    assertError(await server.request('GET', '/v1/chats', { headers: h }), 401);
    assertError(await server.request('GET', '/v1/users', { headers: h }), 401);
    assertError(await server.request('POST', '/v1/chats', { headers: h, body: {} }), 401);
    assertError(await server.request('PUT', '/v1/settings', { headers: h, body: {} }), 401);
    assertError(
      await server.request('GET', '/v1/agents/online', { headers: { 'x-hyper-appid': 'nope' } }),
      401,
    );
    // With auth.requireDomainKey the app id alone is refused, and the domain key still works.
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: pub.asApp,
      body: { auth: { requireDomainKey: true } },
    });
    assertError(await server.request('GET', '/v1/agents/online', { headers: h }), 401);
    assertError(await server.request('POST', '/v1/users', { headers: h, body: {} }), 401);
    await expectStatus(server, 200, 'GET', '/v1/agents/online', { headers: pub.asKey });
  });

  it('holds an app id alone that carries an Origin to the app’s domains', async () => {
    const shop = await createTestApp(server, 'Shop', ['shop.example.com']);
    await expectStatus(server, 200, 'GET', '/v1/agents/online', { headers: shop.asAppId });
    await expectStatus(server, 200, 'GET', '/v1/agents/online', {
      headers: { ...shop.asAppId, origin: 'https://shop.example.com' },
    });
    assertError(
      await server.request('GET', '/v1/agents/online', {
        headers: { ...shop.asAppId, origin: 'https://evil.example.net' },
      }),
      403,
    );
  });
});
