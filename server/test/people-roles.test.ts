import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../src/apps/apps.ts';
import { defaultSettings } from '../src/apps/settings.ts';
import { type Actor, actingAs } from '../src/policies/actor.ts';
import { requireStillAdmin, superviseRoom } from '../src/policies/people.ts';
import type { AgentRole, UserRow } from '../src/store/schema.ts';
import { DomainError } from '../src/util/errors.ts';
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
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { connect } from './helpers/ws.ts';

/** People's roles (docs/people.md): agent, supervisor, admin — who may call what, on both stores. */

const ROOMS = {
  rooms: [
    { id: 1, name: 'General' },
    { id: 2, name: 'Sales' },
  ],
};

type Caller = 'agent' | 'supervisor' | 'admin' | 'secret';
const CALLERS: Caller[] = ['agent', 'supervisor', 'admin', 'secret'];

describeEachStore('people roles', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  const people = {} as Record<Exclude<Caller, 'secret'>, Person>;
  let otherAdmin: Person;
  let plain: Person;
  /** Chats of room 1 (the agent's and supervisor's) and of room 2 (neither's). */
  let room1Chat: string;
  let room2Chat: string;

  const headersOf = (caller: Caller) => (caller === 'secret' ? app.asApp : app.as(people[caller].token));

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Roles');
    other = await createTestApp(server, 'Other');
    for (const a of [app, other])
      await expectStatus(server, 200, 'PUT', '/v1/settings', { headers: a.asApp, body: ROOMS });
    people.agent = await createAgent(server, app, { rooms: [1] });
    people.supervisor = await createAgent(server, app, { rooms: [1], role: 'supervisor' });
    // The admin serves room 2 only: what it reads of room 1 it reads as the app, not as an agent there.
    people.admin = await createAgent(server, app, { rooms: [2], role: 'admin' });
    plain = await createAgent(server, app, { rooms: [1] });
    otherAdmin = await createAgent(server, other, { rooms: [1], role: 'admin' });
    room1Chat = (await createChat(server, app, await createUser(server, app), { room: 1 })).id;
    room2Chat = (await createChat(server, app, await createUser(server, app), { room: 2 })).id;
  });
  after(() => server.close());

  it('shows each agent its role on the User object, "agent" by default and "user" for end users', async () => {
    for (const [role, person] of Object.entries(people)) {
      const res = await expectStatus(server, 200, 'GET', `/v1/agents/${person.id}`, { headers: app.asApp });
      assert.equal(res.body.agent.role, role);
    }
    const user = await createUser(server, app);
    const res = await expectStatus(server, 200, 'GET', `/v1/users/${user.id}`, { headers: app.asApp });
    assert.equal(res.body.user.role, 'user');
    const supervisors = await expectStatus(server, 200, 'GET', '/v1/users?role=supervisor', {
      headers: app.asApp,
    });
    assert.deepEqual(
      supervisors.body.users.map((u: Json) => u.id),
      [people.supervisor.id],
    );
    const agents = await expectStatus(server, 200, 'GET', '/v1/users?role=agent', { headers: app.asApp });
    assert.ok(agents.body.users.every((u: Json) => u.role === 'agent'));
    assert.ok(agents.body.users.some((u: Json) => u.id === people.agent.id));
  });

  // Each role × representative routes: the status each caller gets.
  const table: Array<{
    name: string;
    request: () => { method: string; url: string; body?: Json };
    expect: Record<Caller, number>;
  }> = [
    {
      name: 'PUT /settings',
      request: () => ({ method: 'PUT', url: '/v1/settings', body: { chats: { inactivityTimeout: 0 } } }),
      expect: { agent: 403, supervisor: 403, admin: 200, secret: 200 },
    },
    {
      name: 'GET /users',
      request: () => ({ method: 'GET', url: '/v1/users' }),
      expect: { agent: 403, supervisor: 403, admin: 200, secret: 200 },
    },
    {
      name: 'GET /webhooks',
      request: () => ({ method: 'GET', url: '/v1/webhooks' }),
      expect: { agent: 403, supervisor: 403, admin: 200, secret: 200 },
    },
    {
      name: 'GET /tickets',
      request: () => ({ method: 'GET', url: '/v1/tickets' }),
      expect: { agent: 403, supervisor: 403, admin: 200, secret: 200 },
    },
    {
      name: 'GET /apps/{own app}',
      request: () => ({ method: 'GET', url: `/v1/apps/${app.id}` }),
      expect: { agent: 403, supervisor: 403, admin: 200, secret: 200 },
    },
    {
      name: 'GET /apps/{another app}',
      request: () => ({ method: 'GET', url: `/v1/apps/${other.id}` }),
      expect: { agent: 403, supervisor: 403, admin: 404, secret: 404 },
    },
    {
      name: 'PUT /agents/{someone else} (rooms)',
      request: () => ({ method: 'PUT', url: `/v1/agents/${plain.id}`, body: { rooms: [1] } }),
      expect: { agent: 403, supervisor: 403, admin: 200, secret: 200 },
    },
    {
      name: 'GET /chats/{chat of room 1}',
      request: () => ({ method: 'GET', url: `/v1/chats/${room1Chat}` }),
      expect: { agent: 200, supervisor: 200, admin: 200, secret: 200 },
    },
    {
      name: 'GET /chats/{chat of room 2}',
      request: () => ({ method: 'GET', url: `/v1/chats/${room2Chat}` }),
      expect: { agent: 404, supervisor: 404, admin: 200, secret: 200 },
    },
    {
      name: 'GET /chats/{chat of room 1}/messages',
      request: () => ({ method: 'GET', url: `/v1/chats/${room1Chat}/messages` }),
      expect: { agent: 200, supervisor: 200, admin: 200, secret: 200 },
    },
    {
      name: 'GET /chats/{chat of room 2}/messages',
      request: () => ({ method: 'GET', url: `/v1/chats/${room2Chat}/messages` }),
      expect: { agent: 404, supervisor: 404, admin: 200, secret: 200 },
    },
    {
      name: 'GET /queues/status',
      request: () => ({ method: 'GET', url: '/v1/queues/status' }),
      expect: { agent: 200, supervisor: 200, admin: 200, secret: 200 },
    },
  ];
  for (const row of table) {
    it(`${row.name}: ${CALLERS.map((c) => `${c} ${row.expect[c]}`).join(', ')}`, async () => {
      for (const caller of CALLERS) {
        const { method, url, body } = row.request();
        const res = await server.request(method, url, { headers: headersOf(caller), body });
        if (res.status >= 400) assertError(res, row.expect[caller]);
        else assert.equal(res.status, row.expect[caller], `${caller}: ${method} ${url} → ${res.text}`);
      }
    });
  }

  it('an agent or supervisor cannot give itself a role: 403 in the envelope, nothing changed', async () => {
    for (const caller of ['agent', 'supervisor'] as const) {
      const me = people[caller];
      for (const role of ['admin', 'supervisor', 'agent']) {
        const res = await server.request('PUT', `/v1/agents/${me.id}`, {
          headers: app.as(me.token),
          body: { role, nickname: 'Promoted' },
        });
        assertError(res, 403, /role/);
      }
      const res = await expectStatus(server, 200, 'GET', `/v1/agents/${me.id}`, { headers: app.asApp });
      assert.equal(res.body.agent.role, caller);
      assert.equal(res.body.agent.nickname, undefined, 'the nickname of the refused request was not kept');
      await expectStatus(server, 403, 'PUT', '/v1/settings', { headers: app.as(me.token), body: {} });
    }
    // Nor by creating an agent (the secret's route) or promoting a colleague.
    const created = await server.request('POST', '/v1/agents', {
      headers: app.as(people.supervisor.token),
      body: {
        name: 'Mole',
        contact: `mole-${kind}@example.com`,
        password: 'pw-123456',
        rooms: [1],
        role: 'admin',
      },
    });
    assertError(created, 403);
    const promote = await server.request('PUT', `/v1/agents/${plain.id}`, {
      headers: app.as(people.supervisor.token),
      body: { role: 'admin' },
    });
    assertError(promote, 403);
    const list = await expectStatus(server, 200, 'GET', '/v1/users?role=admin', { headers: app.asApp });
    assert.deepEqual(
      list.body.users.map((u: Json) => u.id),
      [people.admin.id],
    );
  });

  it('an admin person creates agents with roles, changes roles and settings with its own token', async () => {
    const admin = app.as(people.admin.token);
    const created = await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: admin,
      body: {
        name: 'Sam',
        contact: `sam-${kind}@example.com`,
        password: 'pw-123456',
        rooms: [1],
        role: 'supervisor',
      },
    });
    assert.equal(created.body.agent.role, 'supervisor');
    const changed = await expectStatus(server, 200, 'PUT', `/v1/agents/${created.body.agent.id}`, {
      headers: admin,
      body: { role: 'agent', rooms: [1, 2] },
    });
    assert.equal(changed.body.agent.role, 'agent');
    assert.deepEqual(changed.body.agent.rooms, [1, 2]);
    const settings = await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: admin,
      body: { chats: { inactivityTimeout: 600 } },
    });
    assert.equal(settings.body.settings.chats.inactivityTimeout, 600);
    const read = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: app.asApp });
    assert.equal(read.body.settings.chats.inactivityTimeout, 600);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { chats: { inactivityTimeout: 0 } },
    });
    // A bad role is a 400 that changes nothing.
    const bad = await server.request('PUT', `/v1/agents/${created.body.agent.id}`, {
      headers: admin,
      body: { role: 'owner', rooms: [2] },
    });
    assertError(bad, 400);
    const after = await expectStatus(server, 200, 'GET', `/v1/agents/${created.body.agent.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(after.body.agent.rooms, [1, 2]);
  });

  it('an admin acting as the app is still itself where the app would name someone', async () => {
    const admin = app.as(people.admin.token);
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user, { room: 2 });
    // Join and send without naming a user: the admin joins and speaks as itself.
    const joined = await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: admin,
      body: {},
    });
    assert.ok(joined.body.chat.users.includes(people.admin.id));
    const sent = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: admin,
      body: { message: 'Hello from the admin' },
    });
    assert.equal(sent.body.message.sender, people.admin.id);
    // Naming someone, as the app may: a system line.
    const system = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: admin,
      body: { message: 'Transferred', sender: 'system' },
    });
    assert.equal(system.body.message.type, 'system');
    const closed = await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, {
      headers: admin,
      body: {},
    });
    assert.equal(closed.body.chat.closedBy, people.admin.id);
  });

  it('login with online: false opens a session without making the person available', async () => {
    const contact = `quiet-${kind}@example.com`;
    await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'Quiet', contact, password: 'pw-123456', rooms: [1], role: 'admin' },
    });
    const login = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asKey,
      body: { contact, password: 'pw-123456', online: false },
    });
    assert.equal(login.body.user.status, 'offline');
    assert.equal(login.body.user.role, 'admin');
    const token = login.body.session.token as string;
    await expectStatus(server, 200, 'GET', '/v1/webhooks', { headers: app.as(token) });
    const me = await expectStatus(server, 200, 'GET', `/v1/agents/${login.body.user.id}`, {
      headers: app.asApp,
    });
    assert.equal(me.body.agent.status, 'offline');
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asKey,
        body: { contact, password: 'pw-123456', online: 'no' },
      }),
      400,
    );
  });

  it('an admin person’s sessions end like an agent’s: its sign-out, its password change, deactivation', async () => {
    const contact = `ending-${kind}@example.com`;
    const created = await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'Ending', contact, password: 'pw-123456', rooms: [1], role: 'admin' },
    });
    const id = created.body.agent.id as string;
    const signIn = async (password = 'pw-123456', online?: boolean) =>
      (
        await expectStatus(server, 200, 'POST', '/v1/agents/login', {
          headers: app.asKey,
          body: { contact, password, ...(online === undefined ? {} : { online }) },
        })
      ).body.session.token as string;
    const works = async (token: string) =>
      (await server.request('GET', '/v1/webhooks', { headers: app.as(token) })).status;
    // Its own sign-out ends the session it signed out with, and only that one.
    const first = await signIn();
    const second = await signIn();
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', { headers: app.as(first), body: {} });
    assert.equal(await works(first), 401);
    assert.equal(await works(second), 200);
    // Its own new password ends the other sessions, not the one that changed it.
    const third = await signIn();
    await expectStatus(server, 200, 'PUT', `/v1/agents/${id}`, {
      headers: app.as(third),
      body: { password: 'pw-654321' },
    });
    assert.equal(await works(third), 200);
    assert.equal(await works(second), 401);
    // Deactivated by the app: every session ends, and signing in (online: false too) is a 403.
    await expectStatus(server, 200, 'PUT', `/v1/agents/${id}`, {
      headers: app.asApp,
      body: { active: false },
    });
    assert.equal(await works(third), 401);
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: app.asKey,
        body: { contact, password: 'pw-654321', online: false },
      }),
      403,
    );
  });

  it('a supervisor lists the chats of its rooms only', async () => {
    const res = await expectStatus(server, 200, 'GET', '/v1/chats?limit=200', {
      headers: app.as(people.supervisor.token),
    });
    const ids = res.body.chats.map((c: Json) => c.id);
    assert.ok(ids.includes(room1Chat));
    assert.ok(!ids.includes(room2Chat));
    assert.ok(res.body.chats.every((c: Json) => c.room === 1));
    const all = await expectStatus(server, 200, 'GET', '/v1/chats?limit=200', {
      headers: app.as(people.admin.token),
    });
    const everything = all.body.chats.map((c: Json) => c.id);
    assert.ok(everything.includes(room1Chat) && everything.includes(room2Chat));
  });

  it('a role change counts from the next request of the same token', async () => {
    const person = await createAgent(server, app, { rooms: [1] });
    const headers = app.as(person.token);
    await expectStatus(server, 403, 'PUT', '/v1/settings', { headers, body: {} });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${person.id}`, {
      headers: app.asApp,
      body: { role: 'admin' },
    });
    await expectStatus(server, 200, 'PUT', '/v1/settings', { headers, body: {} });
    await expectStatus(server, 200, 'GET', `/v1/chats/${room2Chat}`, { headers });
    // Demoted by another admin: the next request is an agent's again.
    await expectStatus(server, 200, 'PUT', `/v1/agents/${person.id}`, {
      headers: app.as(people.admin.token),
      body: { role: 'supervisor' },
    });
    assertError(await server.request('PUT', '/v1/settings', { headers, body: {} }), 403);
    assertError(await server.request('GET', `/v1/chats/${room2Chat}`, { headers }), 404);
    await expectStatus(server, 200, 'GET', `/v1/chats/${room1Chat}`, { headers });
  });

  it('an admin of one app has no power in another', async () => {
    const mine = app.as(people.admin.token);
    // Its token does not open the other app at all.
    assertError(
      await server.request('GET', '/v1/users', {
        headers: { 'x-hyper-appid': other.id, 'x-hyper-token': people.admin.token },
      }),
      401,
    );
    assertError(await server.request('GET', `/v1/agents/${otherAdmin.id}`, { headers: mine }), 404);
    assertError(
      await server.request('PUT', `/v1/agents/${otherAdmin.id}`, { headers: mine, body: { role: 'agent' } }),
      404,
    );
    assertError(
      await server.request('PUT', `/v1/apps/${other.id}`, { headers: mine, body: { name: 'Mine' } }),
      404,
    );
    const users = await expectStatus(server, 200, 'GET', '/v1/users?limit=200', { headers: mine });
    assert.ok(users.body.users.every((u: Json) => u.id !== otherAdmin.id));
    const theirs = await expectStatus(server, 200, 'GET', `/v1/agents/${otherAdmin.id}`, {
      headers: other.asApp,
    });
    assert.equal(theirs.body.agent.role, 'admin');
    // The other app's admin, in turn, reads none of this app's chats.
    assertError(
      await server.request('GET', `/v1/chats/${room1Chat}`, { headers: other.as(otherAdmin.token) }),
      404,
    );
  });

  it('socket requests follow the same rule: an admin acts as the app, a supervisor within its rooms', async () => {
    const admin = await connect(server, app, { token: people.admin.token });
    const supervisor = await connect(server, app, { token: people.supervisor.token });
    try {
      assert.equal(admin.session.user.role, 'admin');
      const chat = await admin.call('chats:get', { chatId: room1Chat });
      assert.equal(chat.chat.id, room1Chat);
      await supervisor.ackError(supervisor.request('chats:get', { chatId: room2Chat }), 404);
    } finally {
      await admin.close();
      await supervisor.close();
    }
  });
});

describe('people roles: the policies on their own', () => {
  const app: App = {
    id: 'app',
    name: 'App',
    domains: [],
    settings: defaultSettings(),
    secretHash: '',
    previousSecret: null,
    domainKeyHash: '',
    created: 0,
  };
  function agent(agentRole: AgentRole, rooms: number[]): UserRow {
    return {
      id: `u-${agentRole}`,
      appId: app.id,
      role: 'agent',
      agentRole,
      active: 1,
      name: agentRole,
      nickname: null,
      contact: null,
      externalId: null,
      extraInfo: '{}',
      providerId: 'local',
      passwordHash: null,
      status: 'online',
      rooms: JSON.stringify(rooms),
      offRooms: '[]',
      langs: null,
      maxChats: null,
      activeChats: 0,
      lastInvited: 0,
      created: 0,
      erased: null,
    };
  }
  const as = (user: UserRow | null): Actor => actingAs({ app, user });

  it('superviseRoom: the app, an admin, and a supervisor of that room only', () => {
    assert.equal(superviseRoom(as(null), 7), true);
    assert.equal(superviseRoom(as(agent('admin', [])), 7), true);
    assert.equal(superviseRoom(as(agent('supervisor', [1, 7])), 7), true);
    assert.equal(superviseRoom(as(agent('supervisor', [1])), 7), false);
    assert.equal(superviseRoom(as(agent('agent', [7])), 7), false);
  });

  it('actingAs turns only an admin into the app, keeping who it is', () => {
    const admin = agent('admin', [1]);
    assert.deepEqual(as(admin), { app, user: null, person: admin });
    const supervisor = agent('supervisor', [1]);
    assert.equal(as(supervisor).user, supervisor);
  });

  it('requireStillAdmin: a person demoted before the change commits is refused', () => {
    const admin = agent('admin', [1]);
    const actor = as(admin);
    assert.doesNotThrow(() => requireStillAdmin(actor, admin));
    for (const now of [agent('supervisor', [1]), undefined]) {
      assert.throws(
        () => requireStillAdmin(actor, now),
        (e: unknown) => e instanceof DomainError && e.kind === 'forbidden',
      );
    }
    // The secret is never re-checked.
    assert.doesNotThrow(() => requireStillAdmin(as(null), undefined));
  });
});
