import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import {
  describeEachStore,
  type Json,
  type Response,
  startServer,
  type TestServer,
} from './helpers/harness.ts';

const AGENT_KEYS = [
  'active',
  'chats',
  'contact',
  'created',
  'extraInfo',
  'id',
  'langs',
  'maxChats',
  'name',
  'providerId',
  'role',
  'rooms',
  'status',
];
const ORIGIN = 'https://shop.example.com';
const THREE_ROOMS = {
  rooms: [
    { id: 1, name: 'General' },
    { id: 2, name: 'Sales' },
    { id: 3, name: 'Billing' },
  ],
  langs: ['en', 'de'],
};

function assertBadField(res: Response, field: string): void {
  assertError(res, 400);
  const details = (res.body as Json).error.details as Array<{ field: string; message: string }>;
  assert.ok(Array.isArray(details) && details.length > 0, `no details: ${res.text}`);
  assert.ok(
    details.some((d) => d.field === field),
    `details do not name ${field}: ${res.text}`,
  );
}

function assertNoPassword(res: Response): void {
  assert.doesNotMatch(res.text, /password/i);
  assert.doesNotMatch(res.text, /pw-|hunter2/);
}

let contacts = 0;
const uniqueContact = () => `agent-${++contacts}-${Date.now()}@example.com`;

describeEachStore('agents', (kind) => {
  let server: TestServer;
  let other: TestApp;
  before(async () => {
    server = await startServer(kind);
    other = await createTestApp(server, 'Other');
  });
  after(() => server.close());

  /** A fresh app with rooms 1–3 (and, optionally, domains). */
  async function roomyApp(domains?: string[]): Promise<TestApp> {
    const app = await createTestApp(server, 'Agents', domains);
    await expectStatus(server, 200, 'PUT', '/v1/settings', { headers: app.asApp, body: THREE_ROOMS });
    return app;
  }

  /** POST /agents without logging in: the agent stays offline. */
  async function newAgent(app: TestApp, body: Json = {}): Promise<Json> {
    const res = await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'Agent', contact: uniqueContact(), password: 'pw-123456', rooms: [1], ...body },
    });
    return res.body.agent;
  }

  async function getAgent(app: TestApp, id: string): Promise<Json> {
    return (await expectStatus(server, 200, 'GET', `/v1/agents/${id}`, { headers: app.asApp })).body.agent;
  }

  async function available(app: TestApp, query: Record<string, string> = {}): Promise<Json> {
    const res = await expectStatus(server, 200, 'GET', '/v1/agents/available', { headers: app.asApp, query });
    assert.deepEqual(Object.keys(res.body), ['agents']);
    return res.body.agents;
  }

  async function online(app: TestApp, query: Record<string, string> = {}): Promise<boolean> {
    const res = await expectStatus(server, 200, 'GET', '/v1/agents/online', { headers: app.asApp, query });
    assert.deepEqual(Object.keys(res.body), ['agentsOnline']);
    assert.equal(typeof res.body.agentsOnline, 'boolean');
    return res.body.agentsOnline;
  }

  async function join(app: TestApp, chatId: string, agent: Person | Json): Promise<void> {
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.asApp,
      body: { userId: agent.id },
    });
  }

  it('POST /agents creates an offline local agent; the password never appears', async () => {
    const app = await roomyApp();
    const contact = uniqueContact();
    const res = await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: {
        name: 'Agnes',
        nickname: 'Aggie',
        contact,
        password: 'hunter2-long',
        rooms: [1, 2],
        langs: ['en', 'de'],
        maxChats: 4,
      },
    });
    assertNoPassword(res);
    assert.deepEqual(Object.keys(res.body), ['agent']);
    const agent = res.body.agent;
    assert.deepEqual(Object.keys(agent).sort(), [...AGENT_KEYS, 'nickname'].sort());
    assert.equal(agent.name, 'Agnes');
    assert.equal(agent.nickname, 'Aggie');
    assert.equal(agent.contact, contact);
    assert.equal(agent.role, 'agent');
    assert.equal(agent.providerId, 'local');
    assert.equal(agent.status, 'offline');
    assert.deepEqual(agent.rooms, [1, 2]);
    assert.deepEqual(agent.langs, ['en', 'de']);
    assert.equal(agent.maxChats, 4);
    assert.deepEqual(agent.chats, []);
    assert.deepEqual(agent.extraInfo, {});
    assert.ok(Number.isInteger(agent.created) && Math.abs(agent.created - Date.now() / 1000) < 60);

    const got = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: app.asApp });
    assert.deepEqual(got.body, { agent });
    assertNoPassword(got);
    const asUser = await expectStatus(server, 200, 'GET', `/v1/users/${agent.id}`, { headers: app.asApp });
    assert.deepEqual(asUser.body.user, agent);
  });

  it('POST /agents defaults: no nickname, langs [], maxChats from the settings (and follows them)', async () => {
    const app = await roomyApp();
    const agent = await newAgent(app, { nickname: null, langs: null, maxChats: null });
    assert.deepEqual(Object.keys(agent).sort(), AGENT_KEYS);
    assert.deepEqual(agent.langs, []);
    assert.equal(agent.maxChats, 3);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { maxChatsPerAgent: 5 } },
    });
    assert.equal((await getAgent(app, agent.id)).maxChats, 5);
    // Duplicate rooms are kept once; unknown fields are dropped.
    const dup = await newAgent(app, {
      rooms: [2, 2, 1],
      extraInfo: { x: 1 },
      status: 'online',
    });
    assert.deepEqual([...dup.rooms].sort(), [1, 2]);
    assert.deepEqual(dup.extraInfo, {});
    assert.equal(dup.status, 'offline');
    assert.equal(dup.role, 'agent', 'an agent is a plain agent unless a role is given (docs/people.md)');
  });

  it('POST /agents refuses missing and wrong-typed fields with 400 naming them, and creates nothing', async () => {
    const app = await roomyApp();
    const good = { name: 'A', contact: uniqueContact(), password: 'pw-123456', rooms: [1] };
    const without = (field: string) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== field));
    const post = (body: Json) => server.request('POST', '/v1/agents', { headers: app.asApp, body });
    for (const field of ['name', 'contact', 'password', 'rooms'])
      assertBadField(await post(without(field)), field);
    assertBadField(await post({ ...good, name: '' }), 'name');
    assertBadField(await post({ ...good, name: 12 }), 'name');
    assertBadField(await post({ ...good, rooms: 1 }), 'rooms');
    assertBadField(await post({ ...good, rooms: ['1'] }), 'rooms.0');
    assertBadField(await post({ ...good, rooms: [0] }), 'rooms.0');
    assertBadField(await post({ ...good, rooms: [1.5] }), 'rooms.0');
    assertBadField(await post({ ...good, rooms: [9] }), 'rooms');
    assertBadField(await post({ ...good, langs: 'en' }), 'langs');
    assertBadField(await post({ ...good, langs: [1] }), 'langs.0');
    assertBadField(await post({ ...good, maxChats: '2' }), 'maxChats');
    assertBadField(await post({ ...good, maxChats: 0 }), 'maxChats');
    assertBadField(await post({ ...good, maxChats: 2.5 }), 'maxChats');
    assertBadField(await post({ ...good, password: 123456 }), 'password');
    assertBadField(await post({ ...good, nickname: false }), 'nickname');
    const missing = await post({});
    assertError(missing, 400);
    const fields = missing.body.error.details.map((d: Json) => d.field).sort();
    assert.deepEqual(fields, ['contact', 'name', 'password', 'rooms'], 'every missing field is named');
    const list = await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.asApp });
    assert.deepEqual(list.body.agents, []);
  });

  it('POST /agents: 409 for a contact already used by an agent of the app', async () => {
    const app = await roomyApp();
    const contact = uniqueContact();
    const first = await newAgent(app, { contact, name: 'First' });
    assertError(
      await server.request('POST', '/v1/agents', {
        headers: app.asApp,
        body: { name: 'Second', contact, password: 'pw-other', rooms: [2] },
      }),
      409,
    );
    const list = await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.asApp });
    assert.deepEqual(
      list.body.agents.map((a: Json) => a.id),
      [first.id],
    );
    // The first agent's password still logs in.
    await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'pw-123456' },
    });
    // Another app may use the same contact, and so may an end user.
    await newAgent(other, { contact });
    await createUser(server, app, { contact });
  });

  it('POST /agents is for the app server only', async () => {
    const app = await roomyApp([ORIGIN.replace('https://', '')]);
    const agent = await createAgent(server, app);
    const user = await createUser(server, app);
    const body = { name: 'X', contact: uniqueContact(), password: 'pw-123456', rooms: [1] };
    assertError(
      await server.request('POST', '/v1/agents', { headers: { ...app.asKey, origin: ORIGIN }, body }),
      403,
    );
    assertError(await server.request('POST', '/v1/agents', { headers: app.as(agent.token), body }), 403);
    assertError(await server.request('POST', '/v1/agents', { headers: app.as(user.token), body }), 403);
    assertError(await server.request('POST', '/v1/agents', { headers: app.asAppId, body }), 401);
    assertError(
      await server.request('POST', '/v1/agents', {
        headers: { ...app.asApp, 'x-hyper-secret': 'bad' },
        body,
      }),
      401,
    );
    assertError(await server.request('POST', '/v1/agents', { body }), 401);
    const list = await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.asApp });
    assert.equal(list.body.agents.length, 1);
  });

  it('GET /agents lists the app’s agents for the app server and agents, not end users', async () => {
    const app = await roomyApp();
    const a1 = await createAgent(server, app, { name: 'One' });
    const a2 = await newAgent(app, { name: 'Two', rooms: [2] });
    const user = await createUser(server, app);
    await newAgent(other);

    const res = await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.asApp });
    // Every list pages (docs/conventions.md, issue 11): `next` is null when nothing follows.
    assert.deepEqual(Object.keys(res.body), ['agents', 'next']);
    assert.equal(res.body.next, null);
    assert.deepEqual(res.body.agents.map((a: Json) => a.id).sort(), [a1.id, a2.id].sort());
    for (const a of res.body.agents) {
      assert.deepEqual(Object.keys(a).sort(), AGENT_KEYS);
      assert.equal(a.providerId, 'local');
    }
    assert.equal(res.body.agents.find((a: Json) => a.id === a1.id).status, 'online');
    assert.equal(res.body.agents.find((a: Json) => a.id === a2.id).status, 'offline');
    assertNoPassword(res);

    const byAgent = await expectStatus(server, 200, 'GET', '/v1/agents/', { headers: app.as(a1.token) });
    assert.deepEqual(byAgent.body, res.body);
    assertError(await server.request('GET', '/v1/agents', { headers: app.as(user.token) }), 403);
    assertError(await server.request('GET', '/v1/agents', { headers: app.asKey }), 403);
    assertError(await server.request('GET', '/v1/agents', { headers: app.asAppId }), 401);
    assertError(await server.request('GET', '/v1/agents', { headers: app.as('tk_nope') }), 401);
  });

  it('GET /agents/{id}: any app credential but the public ones; 404 for unknown ids and end users', async () => {
    const app = await roomyApp();
    const agent = await createAgent(server, app, { name: 'Agnes' });
    const peer = await createAgent(server, app, { name: 'Peer' });
    const user = await createUser(server, app);
    for (const headers of [app.asApp, app.as(agent.token), app.as(peer.token), app.as(user.token)]) {
      const res = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers });
      assert.equal(res.body.agent.id, agent.id);
      assert.equal(res.body.agent.name, 'Agnes');
      assertNoPassword(res);
    }
    assertError(
      await server.request('GET', '/v1/agents/01UNKNOWN0000000000000000', { headers: app.asApp }),
      404,
    );
    assertError(await server.request('GET', `/v1/agents/${user.id}`, { headers: app.asApp }), 404);
    assertError(await server.request('GET', `/v1/agents/${agent.id}`, { headers: other.asApp }), 404);
    assertError(await server.request('GET', `/v1/agents/${agent.id}`, { headers: app.asKey }), 403);
    assertError(await server.request('GET', `/v1/agents/${agent.id}`, { headers: app.asAppId }), 401);
  });

  it('PUT /agents/{id} as the app server changes every field; the new password logs in', async () => {
    const app = await roomyApp();
    const agent = await newAgent(app, { name: 'Before', rooms: [1] });
    const contact = uniqueContact();
    const res = await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: {
        name: 'After',
        nickname: 'Nick',
        contact,
        password: 'pw-new-pass',
        rooms: [2, 3],
        langs: ['de'],
        maxChats: 7,
        status: 'away',
      },
    });
    assertNoPassword(res);
    assert.deepEqual(Object.keys(res.body), ['agent']);
    assert.deepEqual(res.body.agent, {
      ...agent,
      name: 'After',
      nickname: 'Nick',
      contact,
      rooms: [2, 3],
      langs: ['de'],
      maxChats: 7,
      status: 'away',
    });
    assert.deepEqual(await getAgent(app, agent.id), res.body.agent);

    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact, password: 'pw-123456' },
      }),
      401,
    );
    const login = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'pw-new-pass' },
    });
    assert.equal(login.body.user.id, agent.id);
    // A partial update keeps the rest; an empty one changes nothing.
    const partial = await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { maxChats: 2 },
    });
    assert.equal(partial.body.agent.maxChats, 2);
    assert.equal(partial.body.agent.name, 'After');
    const empty = await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, { headers: app.asApp });
    assert.deepEqual(empty.body.agent, partial.body.agent);
  });

  it('PUT /agents/{id} by the agent itself: nickname, password and status only', async () => {
    const app = await roomyApp();
    const contact = uniqueContact();
    const me = await createAgent(server, app, { name: 'Me', contact, rooms: [1] });
    const res = await expectStatus(server, 200, 'PUT', `/v1/agents/${me.id}`, {
      headers: app.as(me.token),
      body: { nickname: 'Mimi', password: 'pw-mine-now', status: 'away', chatId: 'ignored' },
    });
    assert.equal(res.body.agent.nickname, 'Mimi');
    assert.equal(res.body.agent.status, 'away');
    assertNoPassword(res);
    await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'pw-mine-now' },
    });
    const before = await getAgent(app, me.id);

    const refused: Json[] = [
      { rooms: [1, 2] },
      { maxChats: 9 },
      { name: 'Boss' },
      { langs: ['de'] },
      { contact: uniqueContact() },
      { nickname: 'Sneaky', rooms: [1, 2, 3] },
      { status: 'offline', maxChats: 100 },
    ];
    for (const body of refused) {
      assertError(
        await server.request('PUT', `/v1/agents/${me.id}`, { headers: app.as(me.token), body }),
        403,
      );
    }
    assert.deepEqual(await getAgent(app, me.id), before, 'a refused change changes nothing');
  });

  it('PUT /agents/{id}: 403 for other agents, end users and domain keys; 404 for unknown ids', async () => {
    const app = await roomyApp();
    const target = await createAgent(server, app, { name: 'Target' });
    const peer = await createAgent(server, app, { name: 'Peer' });
    const user = await createUser(server, app);
    const before = await getAgent(app, target.id);
    const body = { nickname: 'Changed' };
    assertError(
      await server.request('PUT', `/v1/agents/${target.id}`, { headers: app.as(peer.token), body }),
      403,
    );
    assertError(
      await server.request('PUT', `/v1/agents/${target.id}`, { headers: app.as(user.token), body }),
      403,
    );
    assertError(await server.request('PUT', `/v1/agents/${target.id}`, { headers: app.asKey, body }), 403);
    assertError(await server.request('PUT', `/v1/agents/${target.id}`, { headers: app.asAppId, body }), 401);
    assertError(
      await server.request('PUT', '/v1/agents/01UNKNOWN0000000000000000', { headers: app.asApp, body }),
      404,
    );
    assertError(await server.request('PUT', `/v1/agents/${user.id}`, { headers: app.asApp, body }), 404);
    assertError(await server.request('PUT', `/v1/agents/${target.id}`, { headers: other.asApp, body }), 404);
    assert.deepEqual(await getAgent(app, target.id), before);
  });

  it('PUT /agents/{id} refuses bad fields (400) and taken contacts (409), changing nothing', async () => {
    const app = await roomyApp();
    const agent = await newAgent(app, { name: 'Stable', nickname: 'St' });
    const taken = await newAgent(app);
    const before = await getAgent(app, agent.id);
    const put = (body: Json) => server.request('PUT', `/v1/agents/${agent.id}`, { headers: app.asApp, body });
    assertBadField(await put({ name: 'Changed', status: 'busy' }), 'status');
    assertBadField(await put({ name: 'Changed', maxChats: '3' }), 'maxChats');
    assertBadField(await put({ name: 'Changed', maxChats: 0 }), 'maxChats');
    assertBadField(await put({ name: 'Changed', rooms: [1, 'two'] }), 'rooms.1');
    assertBadField(await put({ name: 'Changed', rooms: [4] }), 'rooms');
    assertBadField(await put({ name: 'Changed', langs: 'en' }), 'langs');
    assertBadField(await put({ name: 42 }), 'name');
    assertBadField(await put({ name: 'Changed', password: 99 }), 'password');
    assertError(await put({ name: 'Changed', contact: taken.contact }), 409);
    assert.deepEqual(await getAgent(app, agent.id), before);
    // An agent's own contact may be repeated.
    const same = await put({ contact: agent.contact, name: 'Renamed' });
    assert.equal(same.status, 200, same.text);
    assert.equal(same.body.agent.name, 'Renamed');
  });

  it('POST /agents/login checks the password and sets the agent online', async () => {
    const app = await roomyApp();
    const contact = uniqueContact();
    const agent = await newAgent(app, { contact, rooms: [1, 2] });
    assert.equal(agent.status, 'offline');
    assert.equal(await online(app), false);

    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact, password: 'wrong' },
      }),
      401,
    );
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asApp,
        body: { contact: 'nobody@example.com', password: 'pw-123456' },
      }),
      401,
    );
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: other.asApp,
        body: { contact, password: 'pw-123456' },
      }),
      401,
    );
    assert.equal((await getAgent(app, agent.id)).status, 'offline', 'a failed login changes nothing');

    const res = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'pw-123456' },
    });
    assertNoPassword(res);
    assert.deepEqual(Object.keys(res.body).sort(), ['session', 'user']);
    assert.deepEqual(res.body.user, { ...agent, status: 'online' });
    assert.deepEqual(Object.keys(res.body.session).sort(), ['expires', 'token']);
    assert.ok(res.body.session.expires > Date.now() / 1000 + 23 * 3600);
    assert.equal((await getAgent(app, agent.id)).status, 'online');
    assert.equal(await online(app), true);

    // The token acts as the agent.
    const me = await expectStatus(server, 200, 'GET', `/v1/users/${agent.id}`, {
      headers: app.as(res.body.session.token),
    });
    assert.equal(me.body.user.id, agent.id);
    await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.as(res.body.session.token) });
    // A second login gives a second session; both work.
    const again = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'pw-123456' },
    });
    assert.notEqual(again.body.session.token, res.body.session.token);
    await expectStatus(server, 200, 'GET', '/v1/agents', { headers: app.as(res.body.session.token) });
  });

  it('POST /agents/login refuses bad bodies with 400 and end users with 401', async () => {
    const app = await roomyApp();
    const contact = uniqueContact();
    await newAgent(app, { contact });
    const login = (body?: Json) => server.request('POST', '/v1/agents/login', { headers: app.asApp, body });
    assertBadField(await login({ contact }), 'password');
    assertBadField(await login({ password: 'pw-123456' }), 'contact');
    assertBadField(await login({ contact, password: 123456 }), 'password');
    assertBadField(await login({ contact: ['a'], password: 'pw-123456' }), 'contact');
    assertBadField(await login(), 'contact');
    // An end user with the same contact is not an agent.
    await createUser(server, app, { contact: 'enduser@example.com' });
    assertError(await login({ contact: 'enduser@example.com', password: 'pw-123456' }), 401);
  });

  it('POST /agents/login takes the public credentials, with Origin checked, and refuses tokens', async () => {
    const app = await roomyApp(['shop.example.com']);
    const contact = uniqueContact();
    const agent = await newAgent(app, { contact });
    const body = { contact, password: 'pw-123456' };
    const viaKey = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: { ...app.asKey, origin: ORIGIN },
      body,
    });
    assert.equal(viaKey.body.user.id, agent.id);
    assert.equal(viaKey.body.user.status, 'online');
    await expectStatus(server, 200, 'POST', '/v1/agents/login', { headers: app.asAppId, body });
    await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: { ...app.asAppId, origin: ORIGIN },
      body,
    });
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: { ...app.asKey, origin: 'https://evil.example.org' },
        body,
      }),
      403,
    );
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: { ...app.asAppId, origin: 'https://evil.example.org' },
        body,
      }),
      403,
    );
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: { ...app.asKey, 'x-hyper-key': 'wrong' },
        body,
      }),
      401,
    );
    assertError(
      await server.request('POST', '/v1/agents/login', { headers: app.as(viaKey.body.session.token), body }),
      403,
    );
    assertError(await server.request('POST', '/v1/agents/login', { body }), 401);

    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { auth: { requireDomainKey: true } },
    });
    assertError(await server.request('POST', '/v1/agents/login', { headers: app.asAppId, body }), 401);
    await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: { ...app.asKey, origin: ORIGIN },
      body,
    });
  });

  it('POST /agents/logout without rooms logs out of all rooms: status offline', async () => {
    const app = await roomyApp();
    const agent = await createAgent(server, app, { rooms: [1, 2] });
    assert.equal(await online(app, { roomId: '1' }), true);
    // A token, no body and no content type.
    const res = await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.as(agent.token),
    });
    assert.deepEqual(res.body, { success: true });
    assert.equal((await getAgent(app, agent.id)).status, 'offline');
    assert.equal(await online(app), false);
    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 0, '2': 0 });

    // The app server names the agent; an empty rooms list also means all rooms.
    const second = await createAgent(server, app, { rooms: [1, 2] });
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.asApp,
      body: { agentId: second.id, rooms: [] },
    });
    assert.equal((await getAgent(app, second.id)).status, 'offline');
    assert.equal(await online(app), false);
  });

  it('POST /agents/logout with some rooms leaves the agent online in the others', async () => {
    const app = await roomyApp();
    const contact = uniqueContact();
    const agent = await createAgent(server, app, { contact, rooms: [1, 2] });
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.as(agent.token),
      body: { rooms: [2] },
    });
    const after = await getAgent(app, agent.id);
    assert.equal(after.status, 'online');
    assert.deepEqual(after.rooms, [1, 2], 'the agent’s rooms themselves do not change');
    assert.equal(await online(app, { roomId: '1' }), true);
    assert.equal(await online(app, { roomId: '2' }), false);
    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 1, '2': 0 });

    // Out of the last room too: offline.
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.asApp,
      body: { agentId: agent.id, rooms: [1] },
    });
    assert.equal((await getAgent(app, agent.id)).status, 'offline');
    assert.equal(await online(app), false);

    // Logging in again serves every room once more.
    await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'pw-123456' },
    });
    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 1, '2': 1 });
  });

  it('setting status online after logging out of every room serves the rooms again', async () => {
    const app = await roomyApp();
    const agent = await createAgent(server, app, { rooms: [1, 2] });
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.as(agent.token),
      body: { rooms: [1, 2] },
    });
    assert.equal((await getAgent(app, agent.id)).status, 'offline');
    const res = await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.as(agent.token),
      body: { status: 'online' },
    });
    assert.equal(res.body.agent.status, 'online');
    assert.equal(await online(app, { roomId: '1' }), true, 'an online agent is online in its rooms');
    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 1, '2': 1 });

    // away ↔ online keeps a partial logout.
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.as(agent.token),
      body: { rooms: [2] },
    });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.as(agent.token),
      body: { status: 'away' },
    });
    assert.equal(await online(app), false, 'away is not online');
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.as(agent.token),
      body: { status: 'online' },
    });
    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 1, '2': 0 });
  });

  it('POST /agents/logout refusals: 400, 403, 404, and nothing changes', async () => {
    const app = await roomyApp();
    const agent = await createAgent(server, app, { rooms: [1, 2] });
    const peer = await createAgent(server, app, { rooms: [1] });
    const user = await createUser(server, app);
    const logout = (headers: Record<string, string>, body?: Json) =>
      server.request('POST', '/v1/agents/logout', { headers, body });
    assertBadField(await logout(app.asApp, {}), 'agentId');
    assertBadField(await logout(app.asApp), 'agentId');
    assertBadField(await logout(app.asApp, { agentId: agent.id, rooms: ['1'] }), 'rooms.0');
    assertBadField(await logout(app.asApp, { agentId: agent.id, rooms: [7] }), 'rooms');
    assertBadField(await logout(app.asApp, { agentId: 5 }), 'agentId');
    assertError(await logout(app.as(peer.token), { agentId: agent.id }), 403);
    assertError(await logout(app.as(user.token)), 403);
    assertError(await logout(app.as(user.token), { agentId: agent.id }), 403);
    assertError(await logout(app.asKey, { agentId: agent.id }), 403);
    assertError(await logout(app.asAppId, { agentId: agent.id }), 401);
    assertError(await logout(app.asApp, { agentId: '01UNKNOWN0000000000000000' }), 404);
    assertError(await logout(app.asApp, { agentId: user.id }), 404);
    assertError(await logout(other.asApp, { agentId: agent.id }), 404);
    assert.equal((await getAgent(app, agent.id)).status, 'online');
    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 2, '2': 1 });
    // An agent may name itself.
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: app.as(agent.token),
      body: { agentId: agent.id },
    });
    assert.equal((await getAgent(app, agent.id)).status, 'offline');
  });

  it('GET /agents/available counts online agents with a free slot, per room and language', async () => {
    const app = await roomyApp();
    const a = await createAgent(server, app, { name: 'A', rooms: [1, 2], langs: ['en'], maxChats: 1 });
    await createAgent(server, app, { name: 'B', rooms: [1], langs: ['de'], maxChats: 2 });
    await createAgent(server, app, { name: 'C', rooms: [2] });
    await newAgent(app, { name: 'Offline', rooms: [1, 2, 3] });
    const away = await createAgent(server, app, { name: 'Away', rooms: [1, 2, 3] });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${away.id}`, {
      headers: app.as(away.token),
      body: { status: 'away' },
    });
    await createAgent(server, other, { rooms: [1] });

    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 2, '2': 2 });
    assert.deepEqual(await available(app, { roomIds: '3' }), { '3': 0 });
    assert.deepEqual(await available(app), { '1': 2, '2': 2, '3': 0 }, 'no roomIds: every room');
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'en' }), { '1': 1, '2': 2 });
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'de' }), { '1': 1, '2': 1 });
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'en,de' }), { '1': 2, '2': 2 });
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'fr' }), { '1': 0, '2': 1 });

    // A reaches maxChats 1 by joining a chat: no free slot any more, in any room.
    const ann = await createUser(server, app);
    const chat = await createChat(server, app, ann, { room: 1 });
    await join(app, chat.id, a);
    assert.deepEqual(await available(app, { roomIds: '1,2' }), { '1': 1, '2': 1 });
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'en' }), { '1': 0, '2': 1 });
    const full = await getAgent(app, a.id);
    assert.deepEqual(full.chats, [chat.id]);
    assert.equal(full.maxChats, 1);
    // A full agent cannot take another chat.
    const bob = await createUser(server, app);
    const chat2 = await createChat(server, app, bob, { room: 1 });
    assertError(
      await server.request('POST', `/v1/chats/${chat2.id}/join`, {
        headers: app.asApp,
        body: { userId: a.id },
      }),
      409,
    );

    // Raising maxChats frees a slot; closing the chat gives the slot back.
    await expectStatus(server, 200, 'PUT', `/v1/agents/${a.id}`, {
      headers: app.asApp,
      body: { maxChats: 2 },
    });
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'en' }), { '1': 1, '2': 2 });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${a.id}`, {
      headers: app.asApp,
      body: { maxChats: 1 },
    });
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'en' }), { '1': 0, '2': 1 });
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    assert.deepEqual(await available(app, { roomIds: '1,2', langs: 'en' }), { '1': 1, '2': 2 });
    assert.deepEqual((await getAgent(app, a.id)).chats, []);
  });

  it('GET /agents/available: the settings’ maxChatsPerAgent applies to agents without their own', async () => {
    const app = await roomyApp();
    const agent = await createAgent(server, app, { rooms: [1] });
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { maxChatsPerAgent: 1 } },
    });
    const ann = await createUser(server, app);
    await join(app, (await createChat(server, app, ann)).id, agent);
    assert.deepEqual(await available(app, { roomIds: '1' }), { '1': 0 });
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { maxChatsPerAgent: 2 } },
    });
    assert.deepEqual(await available(app, { roomIds: '1' }), { '1': 1 });
  });

  it('GET /agents/available and /agents/online take public credentials, Origin checked', async () => {
    const app = await roomyApp(['shop.example.com']);
    const agent = await createAgent(server, app, { rooms: [1] });
    const user = await createUser(server, app);
    const query = { roomIds: '1,2' };
    const publicHeaders = [{ ...app.asKey, origin: ORIGIN }, app.asAppId, { ...app.asAppId, origin: ORIGIN }];
    for (const headers of [...publicHeaders, app.as(agent.token), app.as(user.token)]) {
      const res = await expectStatus(server, 200, 'GET', '/v1/agents/available', { headers, query });
      assert.deepEqual(res.body, { agents: { '1': 1, '2': 0 } });
      const on = await expectStatus(server, 200, 'GET', '/v1/agents/online', {
        headers,
        query: { roomId: '1' },
      });
      assert.deepEqual(on.body, { agentsOnline: true });
    }
    for (const path of ['/v1/agents/available', '/v1/agents/online']) {
      assertError(
        await server.request('GET', path, { headers: { ...app.asKey, origin: 'https://evil.example.org' } }),
        403,
      );
      assertError(
        await server.request('GET', path, {
          headers: { ...app.asAppId, origin: 'https://evil.example.org' },
        }),
        403,
      );
      assertError(
        await server.request('GET', path, { headers: { ...app.asKey, 'x-hyper-key': 'nope' } }),
        401,
      );
      assertError(await server.request('GET', path, { headers: { 'x-hyper-appid': 'no-such-app' } }), 401);
      assertError(await server.request('GET', path), 401);
    }
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { auth: { requireDomainKey: true } },
    });
    assertError(await server.request('GET', '/v1/agents/available', { headers: app.asAppId }), 401);
    assertError(await server.request('GET', '/v1/agents/online', { headers: app.asAppId }), 401);
    await expectStatus(server, 200, 'GET', '/v1/agents/online', {
      headers: { ...app.asKey, origin: ORIGIN },
    });
    await expectStatus(server, 200, 'GET', '/v1/agents/available', {
      headers: { ...app.asKey, origin: ORIGIN },
    });
  });

  it('GET /agents/available refuses room ids that are not integers', async () => {
    const app = await roomyApp();
    for (const roomIds of ['x', '1,two', '1.5', '-1']) {
      assertBadField(
        await server.request('GET', '/v1/agents/available', { headers: app.asApp, query: { roomIds } }),
        'roomIds',
      );
    }
    assert.deepEqual(await available(app, { roomIds: ' 1 , 2 ' }), { '1': 0, '2': 0 });
    // Empty means absent: every room.
    assert.deepEqual(await available(app, { roomIds: '', langs: '' }), { '1': 0, '2': 0, '3': 0 });
    // Unknown query parameters are ignored, like unknown body fields.
    assert.deepEqual(await available(app, { roomIds: '1', bogus: '1' }), { '1': 0 });
  });

  it('GET /agents/online tells whether any agent is online, in a room or at all', async () => {
    const app = await roomyApp();
    assert.equal(await online(app), false);
    assert.equal(await online(app, { roomId: '1' }), false);
    const offline = await newAgent(app, { rooms: [1, 2, 3] });
    assert.equal(offline.status, 'offline');
    assert.equal(await online(app), false, 'an offline agent does not count');
    const agent = await createAgent(server, app, { rooms: [2] });
    assert.equal(await online(app), true);
    assert.equal(await online(app, { roomId: '1' }), false);
    assert.equal(await online(app, { roomId: '2' }), true);
    assert.equal(await online(app, { roomId: '3' }), false);
    // A busy agent is still online.
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { maxChats: 1 },
    });
    const ann = await createUser(server, app);
    const chat = await createChat(server, app, ann, { room: 2 });
    await join(app, chat.id, agent);
    assert.equal(await online(app, { roomId: '2' }), true);
    assert.deepEqual(await available(app, { roomIds: '2' }), { '2': 0 });
    // Another app's agents never count.
    assert.equal(await online(other, { roomId: '2' }), false);
    // Moving the agent to another room moves its presence.
    await expectStatus(server, 200, 'PUT', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
      body: { rooms: [3] },
    });
    assert.equal(await online(app, { roomId: '2' }), false);
    assert.equal(await online(app, { roomId: '3' }), true);

    for (const roomId of ['abc', '0', '1.5']) {
      assertBadField(
        await server.request('GET', '/v1/agents/online', { headers: app.asApp, query: { roomId } }),
        'roomId',
      );
    }
  });
});
