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
  type TestApp,
} from './helpers/fixtures.ts';
import {
  describeEachStore,
  type Json,
  type Response,
  startServer,
  type TestServer,
} from './helpers/harness.ts';

const USER_KEYS = ['chats', 'created', 'extraInfo', 'id', 'name', 'role'];

/** A 400 whose `details` name `field` (docs/conventions.md). */
function assertBadField(res: Response, field: string): void {
  assertError(res, 400);
  const details = (res.body as Json).error.details as Array<{ field: string; message: string }>;
  assert.ok(Array.isArray(details) && details.length > 0, `no details: ${res.text}`);
  assert.ok(
    details.some((d) => d.field === field),
    `details do not name ${field}: ${res.text}`,
  );
  for (const d of details) assert.equal(typeof d.message, 'string');
}

function assertNoPassword(res: Response): void {
  assert.doesNotMatch(res.text, /password/i);
  assert.doesNotMatch(res.text, /pw-123456/);
}

function assertRecent(created: unknown): void {
  assert.equal(typeof created, 'number');
  assert.ok(Number.isInteger(created), 'seconds, not milliseconds');
  assert.ok(Math.abs((created as number) - Date.now() / 1000) < 60, `created ${created} is not now`);
}

describeEachStore('users', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Users', ['shop.example.com']);
    other = await createTestApp(server, 'Other');
  });
  after(() => server.close());

  it('POST /users creates an end user with a working session', async () => {
    const res = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: {
        name: 'Ann',
        contact: 'ann@example.com',
        externalId: 'ext-ann',
        extraInfo: { plan: 'gold', n: 2 },
      },
    });
    assert.deepEqual(Object.keys(res.body).sort(), ['session', 'user']);
    const { user, session } = res.body;
    assert.deepEqual(Object.keys(user).sort(), [...USER_KEYS, 'contact', 'externalId'].sort());
    assert.match(user.id, /^[0-9A-Za-z_-]+$/);
    assert.equal(user.name, 'Ann');
    assert.equal(user.contact, 'ann@example.com');
    assert.equal(user.externalId, 'ext-ann');
    assert.deepEqual(user.extraInfo, { plan: 'gold', n: 2 });
    assert.equal(user.role, 'user');
    assert.deepEqual(user.chats, []);
    assertRecent(user.created);
    assert.deepEqual(Object.keys(session).sort(), ['expires', 'token']);
    assert.equal(typeof session.token, 'string');
    assert.ok(session.token.length >= 20);
    assert.ok(Number.isInteger(session.expires));
    const lifetime = session.expires - Date.now() / 1000;
    assert.ok(lifetime > 23 * 3600 && lifetime <= 24 * 3600 + 5, `expires in ${lifetime}s, not 24 h`);

    const me = await expectStatus(server, 200, 'GET', `/v1/users/${user.id}`, {
      headers: app.as(session.token),
    });
    assert.deepEqual(me.body, { user });
  });

  it('POST /users has only optional fields: no body, nulls and empty strings mean absent', async () => {
    const bare = await expectStatus(server, 201, 'POST', '/v1/users', { headers: app.asApp });
    assert.deepEqual(Object.keys(bare.body.user).sort(), USER_KEYS);
    assert.equal(typeof bare.body.user.name, 'string');
    assert.deepEqual(bare.body.user.extraInfo, {});
    const nulls = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: { name: 'Bo', contact: null, externalId: '', extraInfo: null },
    });
    assert.deepEqual(Object.keys(nulls.body.user).sort(), USER_KEYS);
    assert.equal(nulls.body.user.name, 'Bo');
    // Two users without externalId do not collide.
    assert.notEqual(nulls.body.user.id, bare.body.user.id);
  });

  it('POST /users ignores unknown fields and never echoes them', async () => {
    const res = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asApp,
      body: { name: 'Cy', role: 'agent', password: 'secret', chatId: 'x', unknown: { a: 1 } },
    });
    assert.deepEqual(Object.keys(res.body.user).sort(), USER_KEYS);
    assert.equal(res.body.user.role, 'user', 'role cannot be chosen by the caller');
    assertNoPassword(res);
    const got = await expectStatus(server, 200, 'GET', `/v1/users/${res.body.user.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(Object.keys(got.body.user).sort(), USER_KEYS);
  });

  it('POST /users answers on the trailing-slash path without a redirect', async () => {
    const res = await expectStatus(server, 201, 'POST', '/v1/users/', {
      headers: app.asApp,
      body: { name: 'Slash' },
    });
    assert.equal(res.body.user.name, 'Slash');
    const list = await expectStatus(server, 200, 'GET', '/v1/users/', { headers: app.asApp });
    assert.ok(list.body.users.some((u: Json) => u.id === res.body.user.id));
  });

  it('POST /users refuses wrong types with details naming the field, and creates nothing', async () => {
    const before = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: app.asApp,
      query: { limit: '200' },
    });
    assertBadField(
      await server.request('POST', '/v1/users', { headers: app.asApp, body: { name: 5 } }),
      'name',
    );
    assertBadField(
      await server.request('POST', '/v1/users', { headers: app.asApp, body: { extraInfo: 'vip' } }),
      'extraInfo',
    );
    assertBadField(
      await server.request('POST', '/v1/users', { headers: app.asApp, body: { extraInfo: [1, 2] } }),
      'extraInfo',
    );
    assertBadField(
      await server.request('POST', '/v1/users', { headers: app.asApp, body: { externalId: 42 } }),
      'externalId',
    );
    assertBadField(
      await server.request('POST', '/v1/users', { headers: app.asApp, body: { contact: true } }),
      'contact',
    );
    assertBadField(
      await server.request('POST', '/v1/users', { headers: app.asApp, body: { name: 'x'.repeat(201) } }),
      'name',
    );
    assertError(
      await server.request('POST', '/v1/users', {
        headers: { ...app.asApp, 'content-type': 'application/json' },
        body: '{"name": ',
      }),
      400,
    );
    const after = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: app.asApp,
      query: { limit: '200' },
    });
    assert.equal(after.body.users.length, before.body.users.length);
  });

  it('POST /users answers 409 for an existing externalId, per app', async () => {
    await createUser(server, app, { externalId: 'dup-1' });
    const res = await server.request('POST', '/v1/users', {
      headers: app.asApp,
      body: { name: 'Again', externalId: 'dup-1' },
    });
    assertError(res, 409);
    const found = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: app.asApp,
      query: { externalId: 'dup-1' },
    });
    assert.equal(found.body.users.length, 1);
    assert.equal(found.body.users[0].name, 'Ann', 'the first user is untouched');
    // Another app may use the same externalId.
    await createUser(server, other, { externalId: 'dup-1' });
  });

  it('POST /users accepts the public credentials, with Origin checked against the domains', async () => {
    const origin = 'https://shop.example.com';
    const viaKey = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: { ...app.asKey, origin },
      body: { name: 'Browser' },
    });
    assert.equal(viaKey.body.user.name, 'Browser');
    assert.equal(typeof viaKey.body.session.token, 'string');
    await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: app.asAppId,
      body: { name: 'Connector' },
    });
    await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: { ...app.asAppId, origin },
      body: { name: 'Connector with origin' },
    });
    assertError(
      await server.request('POST', '/v1/users', {
        headers: { ...app.asKey, origin: 'https://evil.example.net' },
        body: { name: 'x' },
      }),
      403,
    );
    assertError(
      await server.request('POST', '/v1/users', {
        headers: { ...app.asAppId, origin: 'https://evil.example.net' },
        body: { name: 'x' },
      }),
      403,
    );
    assertError(
      await server.request('POST', '/v1/users', {
        headers: { ...app.asKey, 'x-hyper-key': 'wrong' },
        body: {},
      }),
      401,
    );
    // A user token is not one of the credentials of this route.
    const ann = await createUser(server, app);
    assertError(await server.request('POST', '/v1/users', { headers: app.as(ann.token), body: {} }), 403);
  });

  it('auth.requireDomainKey makes the app id alone a 401', async () => {
    const strict = await createTestApp(server, 'Strict');
    await expectStatus(server, 201, 'POST', '/v1/users', { headers: strict.asAppId, body: {} });
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: strict.asApp,
      body: { auth: { requireDomainKey: true } },
    });
    assertError(await server.request('POST', '/v1/users', { headers: strict.asAppId, body: {} }), 401);
    await expectStatus(server, 201, 'POST', '/v1/users', { headers: strict.asKey, body: {} });
  });

  it('refuses missing and wrong credentials with 401', async () => {
    const ann = await createUser(server, app);
    assertError(await server.request('POST', '/v1/users', { body: {} }), 401);
    assertError(await server.request('GET', '/v1/users'), 401);
    assertError(await server.request('GET', `/v1/users/${ann.id}`), 401);
    assertError(
      await server.request('GET', '/v1/users', { headers: { ...app.asApp, 'x-hyper-secret': 'wrong' } }),
      401,
    );
    assertError(await server.request('GET', `/v1/users/${ann.id}`, { headers: app.as('tk_wrong') }), 401);
    assertError(
      await server.request('GET', '/v1/users', {
        headers: { 'x-hyper-appid': 'nope', 'x-hyper-secret': app.secret },
      }),
      401,
    );
    // A token of one app is not valid for another.
    assertError(await server.request('GET', `/v1/users/${ann.id}`, { headers: other.as(ann.token) }), 401);
    // The app id alone is not enough on a secret-only route.
    assertError(await server.request('GET', '/v1/users', { headers: app.asAppId }), 401);
  });

  it('GET /users is for the app server only', async () => {
    const ann = await createUser(server, app);
    assertError(
      await server.request('GET', '/v1/users', {
        headers: { ...app.asKey, origin: 'https://shop.example.com' },
      }),
      403,
    );
    assertError(await server.request('GET', '/v1/users', { headers: app.as(ann.token) }), 403);
  });

  it('GET /users filters by externalId and role and never leaks other apps', async () => {
    const tenant = await createTestApp(server, 'Filters');
    const u1 = await createUser(server, tenant, { name: 'One', externalId: 'f-1' });
    const u2 = await createUser(server, tenant, { name: 'Two', externalId: 'f-2' });
    const agent = await createAgent(server, tenant, { name: 'Agnes' });
    await createUser(server, other, { externalId: 'f-1' });

    const all = await expectStatus(server, 200, 'GET', '/v1/users', { headers: tenant.asApp });
    assert.deepEqual(Object.keys(all.body).sort(), ['next', 'users']);
    assert.deepEqual(all.body.users.map((u: Json) => u.id).sort(), [u1.id, u2.id, agent.id].sort());
    assert.equal(all.body.next, null);
    assertNoPassword(all);

    const byExt = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { externalId: 'f-2' },
    });
    assert.deepEqual(
      byExt.body.users.map((u: Json) => u.id),
      [u2.id],
    );
    assert.equal(byExt.body.users[0].externalId, 'f-2');

    const none = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { externalId: 'nobody' },
    });
    assert.deepEqual(none.body, { users: [], next: null });

    const agents = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { role: 'agent' },
    });
    assert.deepEqual(
      agents.body.users.map((u: Json) => u.id),
      [agent.id],
    );
    const a = agents.body.users[0];
    assert.equal(a.role, 'agent');
    assert.equal(a.providerId, 'local');
    assert.equal(a.status, 'online');
    assert.deepEqual(a.rooms, [1]);

    const users = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { role: 'user' },
    });
    assert.deepEqual(users.body.users.map((u: Json) => u.id).sort(), [u1.id, u2.id].sort());
    for (const u of users.body.users)
      assert.deepEqual(Object.keys(u).sort(), [...USER_KEYS, 'externalId'].sort());

    // The agents' roles filter too (docs/people.md): this app has no admin.
    const admins = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { role: 'admin' },
    });
    assert.deepEqual(admins.body, { users: [], next: null });
    assertBadField(
      await server.request('GET', '/v1/users', { headers: tenant.asApp, query: { role: 'owner' } }),
      'role',
    );
  });

  it('GET /users pages with limit and next', async () => {
    const tenant = await createTestApp(server, 'Paging');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createUser(server, tenant, { name: `P${i}` })).id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { limit: '3', ...(cursor ? { cursor } : {}) };
      const res = await expectStatus(server, 200, 'GET', '/v1/users', { headers: tenant.asApp, query });
      assert.ok(res.body.users.length <= 3);
      seen.push(...res.body.users.map((u: Json) => u.id));
      cursor = res.body.next;
      if (cursor !== null) assert.equal(typeof cursor, 'string');
      pages++;
    } while (cursor !== null && pages < 10);
    assert.equal(pages, 3, 'pages of 3, 3 and 1');
    assert.deepEqual(seen, [...ids].sort(), 'every user once, in id order');

    const exact = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { limit: '7' },
    });
    assert.equal(exact.body.users.length, 7);
    assert.equal(exact.body.next, null, 'no next page when the last page is full');

    // Filters and pagination combine.
    const p1 = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { limit: '2', role: 'user' },
    });
    const p2 = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { limit: '2', role: 'user', cursor: p1.body.next },
    });
    assert.deepEqual(
      [...p1.body.users, ...p2.body.users].map((u: Json) => u.id),
      [...ids].sort().slice(0, 4),
    );

    assertBadField(
      await server.request('GET', '/v1/users', { headers: tenant.asApp, query: { limit: '0' } }),
      'limit',
    );
    assertBadField(
      await server.request('GET', '/v1/users', { headers: tenant.asApp, query: { limit: '201' } }),
      'limit',
    );
    assertBadField(
      await server.request('GET', '/v1/users', { headers: tenant.asApp, query: { limit: 'many' } }),
      'limit',
    );
    assertBadField(
      await server.request('GET', '/v1/users', { headers: tenant.asApp, query: { cursor: '!!!' } }),
      'cursor',
    );
    const max = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: tenant.asApp,
      query: { limit: '200' },
    });
    assert.equal(max.body.users.length, 7);
  });

  it('GET /users/{id}: the app server sees anyone, a token itself and people sharing a chat', async () => {
    const ann = await createUser(server, app, { name: 'Ann' });
    const bob = await createUser(server, app, { name: 'Bob' });
    const agent = await createAgent(server, app);

    const bySecret = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.deepEqual(Object.keys(bySecret.body), ['user']);
    assert.equal(bySecret.body.user.id, ann.id);
    assert.equal(bySecret.body.user.name, 'Ann');

    // Strangers are not visible to each other.
    assertError(await server.request('GET', `/v1/users/${bob.id}`, { headers: app.as(ann.token) }), 404);

    const chat = await createChat(server, app, ann);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: app.asApp,
      body: { userId: agent.id },
    });
    const seenByAgent = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, {
      headers: app.as(agent.token),
    });
    assert.equal(seenByAgent.body.user.id, ann.id);
    const seenByUser = await expectStatus(server, 200, 'GET', `/v1/users/${agent.id}`, {
      headers: app.as(ann.token),
    });
    assert.equal(seenByUser.body.user.role, 'agent');
    assertNoPassword(seenByUser);
    assertError(await server.request('GET', `/v1/users/${ann.id}`, { headers: app.as(bob.token) }), 404);

    assertError(
      await server.request('GET', '/v1/users/01UNKNOWN0000000000000000', { headers: app.asApp }),
      404,
    );
    assertError(await server.request('GET', `/v1/users/${ann.id}`, { headers: other.asApp }), 404);
    assertError(
      await server.request('GET', `/v1/users/${ann.id}`, {
        headers: { ...app.asKey, origin: 'https://shop.example.com' },
      }),
      403,
    );
  });

  it('GET /users/{id}: agents see other agents and the creators of chats in their rooms', async () => {
    const tenant = await createTestApp(server, 'Visibility');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: tenant.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
      },
    });
    const room1 = await createAgent(server, tenant, { rooms: [1] });
    const room2 = await createAgent(server, tenant, { rooms: [2] });
    const ann = await createUser(server, tenant);
    const peer = await expectStatus(server, 200, 'GET', `/v1/users/${room2.id}`, {
      headers: tenant.as(room1.token),
    });
    assert.equal(peer.body.user.role, 'agent');
    assertNoPassword(peer);
    // Before Ann has a chat, no agent sees her.
    assertError(await server.request('GET', `/v1/users/${ann.id}`, { headers: tenant.as(room1.token) }), 404);
    await createChat(server, tenant, ann, { room: 1 });
    const waiting = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, {
      headers: tenant.as(room1.token),
    });
    assert.equal(waiting.body.user.id, ann.id);
    assertError(await server.request('GET', `/v1/users/${ann.id}`, { headers: tenant.as(room2.token) }), 404);
    // An end user does not see agents they share no chat with.
    assertError(await server.request('GET', `/v1/users/${room1.id}`, { headers: tenant.as(ann.token) }), 404);
  });

  it('a user’s `chats` lists their open chats only', async () => {
    const ann = await createUser(server, app);
    const agent = await createAgent(server, app);
    const chat = await createChat(server, app, ann);
    const open = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.deepEqual(open.body.user.chats, [chat.id]);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: app.asApp,
      body: { userId: agent.id },
    });
    const agentView = await expectStatus(server, 200, 'GET', `/v1/users/${agent.id}`, { headers: app.asApp });
    assert.deepEqual(agentView.body.user.chats, [chat.id]);

    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    const closed = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.deepEqual(closed.body.user.chats, []);
    const agentAfter = await expectStatus(server, 200, 'GET', `/v1/users/${agent.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(agentAfter.body.user.chats, []);
    const listed = await expectStatus(server, 200, 'GET', '/v1/users', {
      headers: app.asApp,
      query: { limit: '200' },
    });
    assert.deepEqual(listed.body.users.find((u: Json) => u.id === ann.id).chats, []);

    const second = await createChat(server, app, ann);
    const again = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, {
      headers: app.as(ann.token),
    });
    assert.deepEqual(again.body.user.chats, [second.id]);
  });

  it('PUT /users/{id} changes the given fields, as the app server or the user itself', async () => {
    const ann = await createUser(server, app, { name: 'Ann', contact: 'a@x.io', extraInfo: { a: 1 } });
    const bySecret = await expectStatus(server, 200, 'PUT', `/v1/users/${ann.id}`, {
      headers: app.asApp,
      body: { name: 'Annie', externalId: 'put-ann' },
    });
    assert.deepEqual(Object.keys(bySecret.body), ['user']);
    const u = bySecret.body.user;
    assert.equal(u.name, 'Annie');
    assert.equal(u.externalId, 'put-ann');
    assert.equal(u.contact, 'a@x.io', 'fields not sent stay');
    assert.deepEqual(u.extraInfo, { a: 1 });

    const bySelf = await expectStatus(server, 200, 'PUT', `/v1/users/${ann.id}`, {
      headers: app.as(ann.token),
      body: { contact: 'new@x.io', extraInfo: { b: [1, 2] } },
    });
    assert.equal(bySelf.body.user.contact, 'new@x.io');
    assert.deepEqual(bySelf.body.user.extraInfo, { b: [1, 2] }, 'extraInfo is replaced');
    assert.equal(bySelf.body.user.name, 'Annie');

    const got = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.deepEqual(got.body.user, bySelf.body.user);

    // An empty body (and no content type) changes nothing.
    const empty = await expectStatus(server, 200, 'PUT', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.deepEqual(empty.body.user, bySelf.body.user);
    // null and "" mean absent, not "clear".
    const nulls = await expectStatus(server, 200, 'PUT', `/v1/users/${ann.id}`, {
      headers: app.asApp,
      body: { name: null, contact: '' },
    });
    assert.deepEqual(nulls.body.user, bySelf.body.user);
  });

  it('PUT /users/{id} may repeat the user’s own externalId, but not take another’s', async () => {
    const ann = await createUser(server, app, { name: 'Ann', externalId: 'own-ext' });
    await createUser(server, app, { name: 'Bob', externalId: 'bobs-ext' });
    const same = await expectStatus(server, 200, 'PUT', `/v1/users/${ann.id}`, {
      headers: app.as(ann.token),
      body: { externalId: 'own-ext', name: 'Ann 2' },
    });
    assert.equal(same.body.user.externalId, 'own-ext');
    assert.equal(same.body.user.name, 'Ann 2');
    await expectStatus(server, 200, 'PUT', `/v1/users/${ann.id}`, {
      headers: app.asApp,
      body: { externalId: 'own-ext' },
    });

    assertError(
      await server.request('PUT', `/v1/users/${ann.id}`, {
        headers: app.asApp,
        body: { externalId: 'bobs-ext', name: 'Stolen' },
      }),
      409,
    );
    const unchanged = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.equal(unchanged.body.user.externalId, 'own-ext', 'a 409 changes nothing');
    assert.equal(unchanged.body.user.name, 'Ann 2', 'not even the other fields of the request');
  });

  it('PUT /users/{id} refuses bad bodies with 400 and changes nothing', async () => {
    const ann = await createUser(server, app, { name: 'Ann', extraInfo: { k: 'v' } });
    const before = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assertBadField(
      await server.request('PUT', `/v1/users/${ann.id}`, {
        headers: app.asApp,
        body: { name: 'Changed', extraInfo: 'not an object' },
      }),
      'extraInfo',
    );
    assertBadField(
      await server.request('PUT', `/v1/users/${ann.id}`, { headers: app.asApp, body: { name: ['A'] } }),
      'name',
    );
    assertBadField(
      await server.request('PUT', `/v1/users/${ann.id}`, {
        headers: app.as(ann.token),
        body: { externalId: 7 },
      }),
      'externalId',
    );
    const after = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.deepEqual(after.body.user, before.body.user);
  });

  it('PUT /users/{id}: 403 for another user’s token or a domain key, 404 for unknown ids', async () => {
    const ann = await createUser(server, app, { name: 'Ann' });
    const bob = await createUser(server, app, { name: 'Bob' });
    assertError(
      await server.request('PUT', `/v1/users/${ann.id}`, {
        headers: app.as(bob.token),
        body: { name: 'Hacked' },
      }),
      403,
    );
    assertError(
      await server.request('PUT', `/v1/users/${ann.id}`, {
        headers: { ...app.asKey, origin: 'https://shop.example.com' },
        body: { name: 'Hacked' },
      }),
      403,
    );
    assertError(
      await server.request('PUT', `/v1/users/${ann.id}`, { headers: app.asAppId, body: { name: 'H' } }),
      401,
    );
    assertError(
      await server.request('PUT', '/v1/users/01UNKNOWN0000000000000000', {
        headers: app.asApp,
        body: { name: 'x' },
      }),
      404,
    );
    assertError(
      await server.request('PUT', `/v1/users/${ann.id}`, {
        headers: other.asApp,
        body: { name: 'Cross-app' },
      }),
      404,
    );
    const got = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.asApp });
    assert.equal(got.body.user.name, 'Ann');
  });

  it('PUT /users/{id} does not let an agent change its own profile past the agent rules', async () => {
    const tenant = await createTestApp(server, 'Agent via users');
    const agent = await createAgent(server, tenant, { name: 'Agnes' });
    // Agents change themselves through PUT /agents/{id} (nickname, password, status only).
    assertError(
      await server.request('PUT', `/v1/users/${agent.id}`, {
        headers: tenant.as(agent.token),
        body: { name: 'Boss', contact: 'boss@example.com' },
      }),
      403,
    );
    const got = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: tenant.asApp });
    assert.equal(got.body.agent.name, 'Agnes');
    // The app server may.
    const bySecret = await expectStatus(server, 200, 'PUT', `/v1/users/${agent.id}`, {
      headers: tenant.asApp,
      body: { name: 'Agnes B.' },
    });
    assert.equal(bySecret.body.user.name, 'Agnes B.');
    assert.equal(bySecret.body.user.role, 'agent');
    assert.equal(bySecret.body.user.providerId, 'local');
    assertNoPassword(bySecret);
  });

  it('POST /users/{id}/token issues a new working session', async () => {
    const ann = await createUser(server, app, { name: 'Ann' });
    const res = await expectStatus(server, 200, 'POST', `/v1/users/${ann.id}/token`, { headers: app.asApp });
    assert.deepEqual(Object.keys(res.body), ['session']);
    assert.deepEqual(Object.keys(res.body.session).sort(), ['expires', 'token']);
    const { token, expires } = res.body.session;
    assert.notEqual(token, ann.token);
    assert.ok(Number.isInteger(expires) && expires > Date.now() / 1000 + 23 * 3600);
    const me = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.as(token) });
    assert.equal(me.body.user.id, ann.id);
    await expectStatus(server, 200, 'PUT', `/v1/users/${ann.id}`, {
      headers: app.as(token),
      body: { name: 'Via new' },
    });
    // The first session keeps working.
    const old = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}`, { headers: app.as(ann.token) });
    assert.equal(old.body.user.name, 'Via new');
    // With an explicit JSON content type and an empty body too.
    await expectStatus(server, 200, 'POST', `/v1/users/${ann.id}/token`, {
      headers: { ...app.asApp, 'content-type': 'application/json' },
      body: '',
    });

    // Agents get tokens too, and the token acts as the agent.
    const tenant = await createTestApp(server, 'Tokens');
    const agent = await createAgent(server, tenant);
    const agentToken = await expectStatus(server, 200, 'POST', `/v1/users/${agent.id}/token`, {
      headers: tenant.asApp,
    });
    await expectStatus(server, 200, 'GET', '/v1/agents', {
      headers: tenant.as(agentToken.body.session.token),
    });
  });

  it('POST /users/{id}/token: secret only, 404 for unknown ids', async () => {
    const ann = await createUser(server, app);
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/token`, { headers: app.as(ann.token) }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/token`, {
        headers: { ...app.asKey, origin: 'https://shop.example.com' },
      }),
      403,
    );
    assertError(await server.request('POST', `/v1/users/${ann.id}/token`, { headers: app.asAppId }), 401);
    assertError(await server.request('POST', `/v1/users/${ann.id}/token`), 401);
    assertError(
      await server.request('POST', '/v1/users/01UNKNOWN0000000000000000/token', { headers: app.asApp }),
      404,
    );
    assertError(await server.request('POST', `/v1/users/${ann.id}/token`, { headers: other.asApp }), 404);
    assertBadField(await server.request('POST', '/v1/users/bad%20id/token', { headers: app.asApp }), 'id');
  });

  it('POST /users/{id}/activity fires users:activity for a participant', async () => {
    const tenant = await createTestApp(server, 'Activity');
    const ann = await createUser(server, tenant);
    const agent = await createAgent(server, tenant);
    const chat = await createChat(server, tenant, ann);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: tenant.asApp,
      body: { userId: agent.id },
    });
    const count = async () =>
      (await eventsOf(server, tenant.id)).filter((e) => e.trigger === 'users:activity').length;

    const res = await expectStatus(server, 200, 'POST', `/v1/users/${ann.id}/activity`, {
      headers: tenant.as(ann.token),
      body: { chatId: chat.id, type: 'writing' },
    });
    assert.deepEqual(res.body, { success: true });
    await expectStatus(server, 200, 'POST', `/v1/users/${agent.id}/activity`, {
      headers: tenant.asApp,
      body: { chatId: chat.id, type: 'not-writing' },
    });
    await expectStatus(server, 200, 'POST', `/v1/users/${agent.id}/activity`, {
      headers: tenant.as(agent.token),
      body: { chatId: chat.id, type: 'writing', unknownField: true },
    });
    const activity = (await eventsOf(server, tenant.id)).filter((e) => e.trigger === 'users:activity');
    assert.deepEqual(
      activity.map((e) => e.data),
      [
        { chatId: chat.id, userId: ann.id, type: 'writing' },
        { chatId: chat.id, userId: agent.id, type: 'not-writing' },
        { chatId: chat.id, userId: agent.id, type: 'writing' },
      ],
    );
    for (const e of activity) assert.equal(e.chatId, chat.id);

    // Refusals fire nothing.
    assertBadField(
      await server.request('POST', `/v1/users/${ann.id}/activity`, {
        headers: tenant.as(ann.token),
        body: { chatId: chat.id, type: 'typing' },
      }),
      'type',
    );
    assertBadField(
      await server.request('POST', `/v1/users/${ann.id}/activity`, {
        headers: tenant.as(ann.token),
        body: { type: 'writing' },
      }),
      'chatId',
    );
    assertBadField(
      await server.request('POST', `/v1/users/${ann.id}/activity`, {
        headers: tenant.as(ann.token),
        body: { chatId: 12, type: 'writing' },
      }),
      'chatId',
    );
    assertBadField(
      await server.request('POST', `/v1/users/${ann.id}/activity`, { headers: tenant.as(ann.token) }),
      'chatId',
    );
    assert.equal(await count(), 3);
  });

  it('POST /users/{id}/activity refuses outsiders (403), closed chats (409) and unknown ids (404)', async () => {
    const tenant = await createTestApp(server, 'Activity refusals');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: tenant.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
      },
    });
    const ann = await createUser(server, tenant);
    const bob = await createUser(server, tenant);
    const roomAgent = await createAgent(server, tenant, { rooms: [1] });
    const otherRoomAgent = await createAgent(server, tenant, { rooms: [2] });
    const chat = await createChat(server, tenant, ann);
    const count = async () =>
      (await eventsOf(server, tenant.id)).filter((e) => e.trigger === 'users:activity').length;
    const body = { chatId: chat.id, type: 'writing' };

    // The app server reporting for someone who is not in the chat.
    assertError(
      await server.request('POST', `/v1/users/${bob.id}/activity`, { headers: tenant.asApp, body }),
      403,
    );
    // An agent of the room may see the chat but is not in it.
    assertError(
      await server.request('POST', `/v1/users/${roomAgent.id}/activity`, {
        headers: tenant.as(roomAgent.token),
        body,
      }),
      403,
    );
    // A token reporting for someone else.
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/activity`, { headers: tenant.as(bob.token), body }),
      403,
    );
    // Someone who may not even see the chat: it is not visible to them.
    assertError(
      await server.request('POST', `/v1/users/${bob.id}/activity`, { headers: tenant.as(bob.token), body }),
      404,
    );
    assertError(
      await server.request('POST', `/v1/users/${otherRoomAgent.id}/activity`, {
        headers: tenant.as(otherRoomAgent.token),
        body,
      }),
      404,
    );
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/activity`, {
        headers: tenant.asApp,
        body: { chatId: '01UNKNOWNCHAT000000000000', type: 'writing' },
      }),
      404,
    );
    assertError(
      await server.request('POST', '/v1/users/01UNKNOWN0000000000000000/activity', {
        headers: tenant.asApp,
        body,
      }),
      404,
    );
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/activity`, {
        headers: { 'x-hyper-appid': tenant.id, 'x-hyper-key': tenant.domainKey },
        body,
      }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/activity`, { headers: other.asApp, body }),
      404,
    );

    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: tenant.asApp });
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/activity`, { headers: tenant.as(ann.token), body }),
      409,
    );
    assertError(
      await server.request('POST', `/v1/users/${ann.id}/activity`, { headers: tenant.asApp, body }),
      409,
    );
    assert.equal(await count(), 0, 'no refused report fired an event');
  });
});
