import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  type AppSnapshot,
  assertUnchanged,
  buildDataSet,
  type DataSet,
  multipart,
  secretsOf,
  snapshotApp,
} from './helpers/dataset.ts';
import { assertError, createTestApp, expectStatus, type TestApp } from './helpers/fixtures.ts';
import {
  describeEachStore,
  type Json,
  type Response,
  startServer,
  type TestServer,
} from './helpers/harness.ts';
import { routeKey, routerPath, SPEC_ROUTES } from './helpers/routes.ts';

/**
 * docs/conventions.md, "Objects": every object belongs to one app; no request can see or change another app's
 * data. App A holds one of everything; app B replays every route of docs/api.md against A's ids with each
 * of its own credentials, and with A's app id combined with B's secrets (which must be 401).
 */

/** The credential kinds a route accepts (docs/conventions.md; `public` = domain key or the app id alone). */
type Kind = 'admin' | 'secret' | 'public' | 'token';

/** B's credentials, and A's app id paired with B's secret, token or key. */
type Cred =
  | 'secret'
  | 'userToken'
  | 'agentToken'
  | 'key'
  | 'appIdOnly'
  | 'mixSecret'
  | 'mixUserToken'
  | 'mixAgentToken'
  | 'mixKey';

const CREDS: Cred[] = [
  'secret',
  'userToken',
  'agentToken',
  'key',
  'appIdOnly',
  'mixSecret',
  'mixUserToken',
  'mixAgentToken',
  'mixKey',
];

const KIND_OF: Record<Cred, Kind> = {
  secret: 'secret',
  userToken: 'token',
  agentToken: 'token',
  key: 'public',
  appIdOnly: 'public',
  mixSecret: 'secret',
  mixUserToken: 'token',
  mixAgentToken: 'token',
  mixKey: 'public',
};

interface Case {
  /** The route (docs/api.md) this case replays (`METHOD /path`). */
  route: string;
  url: string;
  body?: Json;
  /** A multipart upload instead of a JSON body. */
  upload?: Record<string, string>;
  /** Credential kinds the route accepts. */
  auth: Kind[];
  /**
   * The route acts on the caller's own app only (lists, settings, creation): B's own credentials may
   * succeed there, and must then show nothing of A. Every other case names A's objects and must fail.
   */
  own?: boolean;
  /** Exact answers that differ from the rule (404 for accepted credentials), with the reason beside. */
  expect?: Partial<Record<Cred, number>>;
  /** A route that reads no credentials (a browser navigation): this answer for every one of them. */
  anyCredential?: number;
}

/**
 * The answer the rule gives: A's app id with B's credentials is 401; a credential kind the route does not
 * accept is 403 (401 for the app id alone, which is no credential at all outside the public routes); an
 * accepted credential meets A's objects as unknown: 404.
 */
function expected(c: Case, cred: Cred): number | 'own' {
  // Routes that take no credentials (browser navigations) answer as they do whatever is sent.
  if (c.anyCredential !== undefined) return c.anyCredential;
  if (cred.startsWith('mix')) return 401;
  if (!c.auth.includes(KIND_OF[cred])) return cred === 'appIdOnly' ? 401 : 403;
  return c.expect?.[cred] ?? (c.own ? 'own' : 404);
}

describeEachStore('tenancy is absolute', (kind) => {
  let server: TestServer;
  let a: TestApp;
  let b: TestApp;
  let A: DataSet;
  let B: DataSet;
  let secrets: string[];
  let snapshot: AppSnapshot;
  /** A shared canned response of A's. */
  let cannedOfA: string;
  const aName = `Tenant A ${process.pid}`;

  before(async () => {
    // Hundreds of wrong credentials on purpose, all from one address: past the throttle's limit
    // (docs/security.md), which is tested in throttle.test.ts.
    server = await startServer(
      kind,
      {},
      { throttle: { credentials: { failures: 1_000_000, windowSeconds: 60 } } },
    );
    a = await createTestApp(server, aName, []);
    b = await createTestApp(server, 'Tenant B');
    A = await buildDataSet(server, a, 'Apple');
    B = await buildDataSet(server, b, 'Banana');
    // B's room-2 agent goes offline, so that A's online room-2 agent would show if B could count it.
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', {
      headers: b.asApp,
      body: { agentId: B.agent2.id },
    });
    secrets = [...secretsOf(A, a.id), aName, 'Apple only room', A.agent.password];
    cannedOfA = (
      await expectStatus(server, 201, 'POST', '/v1/canned', {
        headers: a.asApp,
        body: { shortcut: 'apple-hello', title: 'Apple hello', text: 'Apple only greeting' },
      })
    ).body.canned.id;
    secrets.push('Apple only greeting');
    snapshot = await snapshotApp(server, a.id);
    assert.ok(snapshot.counts.events! > 0 && snapshot.counts.media === 1 && snapshot.counts.tickets === 1);
    assert.equal(snapshot.counts.messageReads, 1);
    assert.equal(snapshot.counts.historyEntries, 1);
  });
  after(() => server.close());

  function headers(cred: Cred): Record<string, string> {
    switch (cred) {
      case 'secret':
        return b.asApp;
      case 'userToken':
        return b.as(B.user.token);
      case 'agentToken':
        return b.as(B.agent.token);
      case 'key':
        return b.asKey;
      case 'appIdOnly':
        return b.asAppId;
      case 'mixSecret':
        return { 'x-hyper-appid': a.id, 'x-hyper-secret': b.secret };
      case 'mixUserToken':
        return { 'x-hyper-appid': a.id, 'x-hyper-token': B.user.token };
      case 'mixAgentToken':
        return { 'x-hyper-appid': a.id, 'x-hyper-token': B.agent.token };
      case 'mixKey':
        return { 'x-hyper-appid': a.id, 'x-hyper-key': b.domainKey };
    }
  }

  /** Nothing of A — ids, names, texts — appears in an answer B receives. */
  function assertNoLeak(res: Response, what: string): void {
    for (const secret of secrets) {
      assert.ok(!res.text.includes(secret), `${what} leaks ${secret}: ${res.text.slice(0, 500)}`);
    }
  }

  function cases(): Case[] {
    const ST: Kind[] = ['secret', 'token'];
    const historyLine = { sender: 'assistant', message: 'injected', created: 1700000001 };
    return [
      // Apps, settings, misc
      { route: 'GET /apps', url: '/v1/apps', auth: ['admin'] },
      { route: 'POST /apps', url: '/v1/apps', auth: ['admin'], body: { name: 'Made by B' } },
      { route: 'GET /apps/{appId}', url: `/v1/apps/${a.id}`, auth: ['admin', 'secret'] },
      {
        route: 'PUT /apps/{appId}',
        url: `/v1/apps/${a.id}`,
        auth: ['admin', 'secret'],
        body: { name: 'Taken over', domains: ['evil.example'] },
      },
      {
        route: 'GET /apps/{appId}/validate',
        url: `/v1/apps/${a.id}/validate`,
        auth: ['secret', 'public', 'token'],
      },
      { route: 'GET /settings', url: '/v1/settings', auth: ['secret', 'public', 'token'], own: true },
      {
        route: 'PUT /settings',
        url: '/v1/settings',
        auth: ['secret'],
        own: true,
        body: { assign: { timeout: 99 } },
        expect: { secret: 200 },
      },
      {
        route: 'GET /settings/work-timetable',
        url: '/v1/settings/work-timetable',
        auth: ['secret', 'public', 'token'],
        own: true,
      },
      {
        route: 'PUT /settings/work-timetable',
        url: '/v1/settings/work-timetable',
        auth: ['secret'],
        own: true,
        body: { timezone: 'UTC', holidays: [{ queueId: 1, days: ['2030-01-01'] }] },
        expect: { secret: 200 },
      },
      {
        route: 'GET /rooms/status',
        url: '/v1/rooms/status?roomIds=1,2',
        auth: ['secret', 'public', 'token'],
        own: true,
      },
      {
        route: 'GET /id',
        url: '/v1/id',
        auth: ST,
        own: true,
        expect: { secret: 200, userToken: 200, agentToken: 200 },
      },
      // Users
      {
        route: 'POST /users',
        url: '/v1/users',
        auth: ['secret', 'public'],
        own: true,
        body: { name: 'B person' },
        expect: { secret: 201, key: 201, appIdOnly: 201 },
      },
      { route: 'GET /users', url: `/v1/users?externalId=${A.user.externalId}`, auth: ['secret'], own: true },
      { route: 'GET /users/{id}', url: `/v1/users/${A.user.id}`, auth: ST },
      // Agents see every agent of their own app; never another app's.
      { route: 'GET /users/{id}', url: `/v1/users/${A.agent.id}`, auth: ST },
      { route: 'PUT /users/{id}', url: `/v1/users/${A.user.id}`, auth: ST, body: { name: 'Hacked' } },
      { route: 'POST /users/{id}/token', url: `/v1/users/${A.user.id}/token`, auth: ['secret'] },
      // Erasure and export (docs/privacy.md): the app's secret or an admin person, on its own users only.
      { route: 'DELETE /users/{id}', url: `/v1/users/${A.user.id}`, auth: ['secret'] },
      { route: 'GET /users/{id}/export', url: `/v1/users/${A.user.id}/export`, auth: ['secret'] },
      {
        route: 'POST /users/{id}/activity',
        url: `/v1/users/${A.user.id}/activity`,
        auth: ST,
        body: { chatId: A.chat.id, type: 'writing' },
        // A token may only report its own typing, whoever the id names: refused before any lookup.
        expect: { userToken: 403, agentToken: 403 },
      },
      // B's own user typing in A's chat: the chat is not visible.
      {
        route: 'POST /users/{id}/activity',
        url: `/v1/users/${B.user.id}/activity`,
        auth: ST,
        body: { chatId: A.chat.id, type: 'writing' },
        expect: { agentToken: 403 },
      },
      // Agents
      {
        route: 'POST /agents',
        url: '/v1/agents',
        auth: ['secret'],
        own: true,
        body: {
          name: 'B copy',
          contact: `b-copy-${kind}@agents.example`,
          password: 'b-pass-999',
          rooms: [1],
        },
        expect: { secret: 201 },
      },
      {
        route: 'GET /agents',
        url: '/v1/agents',
        auth: ST,
        own: true,
        expect: { secret: 200, agentToken: 200, userToken: 403 },
      },
      { route: 'GET /agents/{id}', url: `/v1/agents/${A.agent.id}`, auth: ST },
      {
        route: 'PUT /agents/{id}',
        url: `/v1/agents/${A.agent.id}`,
        auth: ST,
        body: { nickname: 'Hacked', status: 'offline' },
      },
      {
        route: 'POST /agents/login',
        url: '/v1/agents/login',
        auth: ['secret', 'public'],
        body: { contact: A.agent.contact, password: A.agent.password },
        // A's agent is no agent of B: a wrong contact or password.
        expect: { secret: 401, key: 401, appIdOnly: 401 },
      },
      {
        route: 'POST /agents/logout',
        url: '/v1/agents/logout',
        auth: ST,
        body: { agentId: A.agent.id },
        // Tokens: only agents, and only themselves — refused whatever the id names.
        expect: { userToken: 403, agentToken: 403 },
      },
      {
        route: 'GET /agents/available',
        url: '/v1/agents/available?roomIds=1,2',
        auth: ['secret', 'public', 'token'],
        own: true,
      },
      {
        route: 'GET /agents/online',
        url: '/v1/agents/online?roomId=2',
        auth: ['secret', 'public', 'token'],
        own: true,
      },
      {
        route: 'DELETE /agents/{id}',
        url: `/v1/agents/${A.agent.id}`,
        auth: ['secret'],
      },
      {
        route: 'POST /apps/{appId}/rotate',
        url: `/v1/apps/${a.id}/rotate`,
        auth: ['admin', 'secret'],
        body: {},
      },
      // Single sign-on: A has none; its start and callback are navigations that read no credentials.
      { route: 'GET /agents/sso', url: '/v1/agents/sso', auth: ['secret', 'public', 'token'], own: true },
      {
        route: 'GET /agents/sso/start',
        url: `/v1/agents/sso/start?appId=${a.id}`,
        auth: [],
        anyCredential: 404,
      },
      {
        route: 'GET /agents/sso/callback',
        url: '/v1/agents/sso/callback?state=not-a-state&code=not-a-code',
        auth: [],
        anyCredential: 302,
      },
      {
        route: 'POST /agents/sso/session',
        url: '/v1/agents/sso/session',
        auth: ['secret', 'public'],
        body: { code: 'not-a-code' },
        // A one-time code is the app's own: unknown to B, whatever B sends it with.
        expect: { secret: 401, key: 401, appIdOnly: 401 },
      },
      // Canned responses
      {
        route: 'GET /canned',
        url: '/v1/canned',
        auth: ST,
        own: true,
        expect: { userToken: 403 },
      },
      {
        route: 'POST /canned',
        url: '/v1/canned',
        auth: ST,
        own: true,
        body: { shortcut: 'banana', title: 'B', text: 'B' },
        expect: { userToken: 403 },
      },
      {
        route: 'PUT /canned/{id}',
        url: `/v1/canned/${cannedOfA}`,
        auth: ST,
        body: { text: 'Hacked' },
        expect: { userToken: 403 },
      },
      { route: 'DELETE /canned/{id}', url: `/v1/canned/${cannedOfA}`, auth: ST, expect: { userToken: 403 } },
      // Reports: B's secret reads B's own (empty) reports; tokens of agents and end users never read any.
      {
        route: 'GET /reports/chats',
        url: `/v1/reports/chats?room=1&agent=${A.agent.id}`,
        auth: ST,
        own: true,
        expect: { userToken: 403, agentToken: 403 },
      },
      {
        route: 'GET /reports/agents',
        url: '/v1/reports/agents',
        auth: ST,
        own: true,
        expect: { userToken: 403, agentToken: 403 },
      },
      {
        route: 'GET /chats/export',
        url: '/v1/chats/export?format=csv',
        auth: ST,
        own: true,
        expect: { userToken: 403, agentToken: 403 },
      },
      {
        route: 'GET /chats/export',
        url: '/v1/chats/export?format=json',
        auth: ST,
        own: true,
        expect: { userToken: 403, agentToken: 403 },
      },
      // The audit log: the caller's own app's entries only (secret or an admin person).
      { route: 'GET /audit', url: '/v1/audit', auth: ['secret'], own: true },
      // Surveys: B has no survey of A's id, and A's chat is unknown to B
      {
        route: 'GET /surveys/{surveyId}',
        url: `/v1/surveys/csat?sourceType=chat&sourceId=${A.chat.id}`,
        auth: ST,
      },
      {
        route: 'POST /surveys/{surveyId}/submit',
        url: '/v1/surveys/csat/submit',
        auth: ST,
        body: { sourceType: 'chat', sourceId: A.chat.id, answers: [{ questionId: 'score', value: 1 }] },
      },
      {
        route: 'GET /surveys/{surveyId}/responses',
        url: '/v1/surveys/csat/responses',
        auth: ST,
        // B's secret lists B's own (none); B's tokens are no admins or supervisors.
        own: true,
        expect: { userToken: 403, agentToken: 403 },
      },
      // Chats
      {
        route: 'POST /chats',
        url: '/v1/chats',
        auth: ST,
        body: { creator: A.user.id },
        // A token opens chats only for its own end user.
        expect: { userToken: 403, agentToken: 403 },
      },
      { route: 'GET /chats', url: `/v1/chats?userId=${A.user.id}`, auth: ST, own: true },
      { route: 'GET /chats/{id}', url: `/v1/chats/${A.chat.id}?fields=users,history`, auth: ST },
      { route: 'GET /chats/{id}', url: `/v1/chats/${A.closedChat.id}`, auth: ST },
      {
        route: 'PUT /chats/{id}',
        url: `/v1/chats/${A.chat.id}`,
        auth: ST,
        body: { priority: 9, externalId: 'x' },
      },
      { route: 'DELETE /chats/{id}', url: `/v1/chats/${A.chat.id}?userId=${A.user.id}`, auth: ST },
      {
        route: 'DELETE /chats/{id}',
        url: `/v1/chats/${A.chat.id}`,
        auth: ST,
        body: { extraData: { by: 'B' } },
      },
      { route: 'GET /chats/{id}/messages', url: `/v1/chats/${A.chat.id}/messages?after=0`, auth: ST },
      {
        route: 'POST /chats/{id}/messages',
        url: `/v1/chats/${A.chat.id}/messages`,
        auth: ST,
        body: { message: 'intruder', clientId: 'b-1' },
      },
      {
        route: 'POST /chats/{id}/messages',
        url: `/v1/chats/${A.chat.id}/messages`,
        auth: ST,
        body: { message: 'intruder as A', sender: A.user.id },
      },
      { route: 'GET /chats/{id}/history', url: `/v1/chats/${A.chat.id}/history`, auth: ST },
      { route: 'GET /chats/{id}/history', url: `/v1/chats/${A.chat.id}/history?format=csv`, auth: ST },
      {
        route: 'POST /chats/{id}/history',
        url: `/v1/chats/${A.chat.id}/history`,
        auth: ST,
        body: { history: [historyLine] },
      },
      { route: 'GET /chats/{id}/users', url: `/v1/chats/${A.chat.id}/users`, auth: ST },
      {
        route: 'POST /chats/{id}/join',
        url: `/v1/chats/${A.chat.id}/join`,
        auth: ST,
        body: { userId: B.agent.id },
        expect: { userToken: 404 },
      },
      {
        route: 'PUT /chats/{id}/leave',
        url: `/v1/chats/${A.chat.id}/leave`,
        auth: ST,
        body: { userId: A.agent.id },
      },
      // Supervision: B's people neither watch, stop a watch of, nor take over A's chat.
      {
        route: 'POST /chats/{id}/watchers',
        url: `/v1/chats/${A.chat.id}/watchers`,
        auth: ST,
        body: { userId: B.agent.id },
      },
      {
        route: 'DELETE /chats/{id}/watchers/{userId}',
        url: `/v1/chats/${A.chat.id}/watchers/${A.agent.id}`,
        auth: ST,
      },
      {
        route: 'POST /chats/{id}/intervene',
        url: `/v1/chats/${A.chat.id}/intervene`,
        auth: ST,
        body: { userId: B.agent.id },
      },
      // Messages, media, tickets
      {
        route: 'PUT /messages/{id}/read',
        url: `/v1/messages/${A.message.id}/read`,
        auth: ST,
        body: { userId: A.agent.id },
      },
      {
        route: 'POST /media',
        url: '/v1/media',
        auth: ST,
        upload: { chatId: A.chat.id, senderId: A.user.id },
      },
      { route: 'GET /media/{id}', url: `/v1/media/${A.media.id}`, auth: ST },
      { route: 'GET /media', url: `/v1/media?chatId=${A.chat.id}`, auth: ['secret'], own: true },
      {
        route: 'GET /tickets',
        url: `/v1/tickets?externalId=${A.closedChat.id}`,
        auth: ['secret'],
        own: true,
      },
      { route: 'GET /tickets/{id}', url: `/v1/tickets/${A.ticket.id}`, auth: ['secret'] },
    ];
  }

  it('has a replay case for every route the server has', async () => {
    const covered = new Set(cases().map((c) => c.route));
    const doc = (await expectStatus(server, 200, 'GET', '/v1/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/^\/v1/, '')}`),
    );
    const spec = SPEC_ROUTES.filter((r) =>
      server.sb.http.hasRoute({ method: r.method, url: `/v1${routerPath(r.path)}` }),
    ).map(routeKey);
    assert.ok(spec.length >= 40, `the core routes exist (${spec.length})`);
    // /health is open to everyone and holds no app data. Routing and webhooks bring their own tenancy
    // cases with their issues; every other route the server documents must be replayed here. GET /stream
    // is a WebSocket that answers plain HTTP with 426 only: its tenancy (another app's secret → 4001, a
    // stream hears its own app only) is checked over real sockets in stream.test.ts.
    const later = new Set(SPEC_ROUTES.filter((r) => r.later).map(routeKey));
    const missing = [...new Set([...documented, ...spec])].filter(
      (r) => r !== 'GET /health' && r !== 'GET /stream' && !later.has(r) && !covered.has(r),
    );
    assert.deepEqual(missing, [], 'routes without a tenancy case; add them to cases()');
  });

  it('answers every route with B’s credentials on A’s objects with a 4xx and changes nothing of A', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const c of cases()) {
      let payload: { body?: unknown; contentType?: string } = c.body !== undefined ? { body: c.body } : {};
      if (c.upload) {
        const built = await multipart(c.upload, {
          name: 'x.txt',
          type: 'text/plain',
          bytes: Buffer.from('from B'),
        });
        payload = { body: built.body, contentType: built.contentType };
      }
      const [method, ...rest] = c.route.split(' ');
      assert.ok(rest.length === 1 && method);
      for (const cred of CREDS) {
        const want = expected(c, cred);
        const h = {
          ...headers(cred),
          ...(payload.contentType ? { 'content-type': payload.contentType } : {}),
        };
        const res = await server.request(method, c.url, {
          headers: h,
          ...(payload.body !== undefined ? { body: payload.body } : {}),
        });
        checked++;
        const what = `${c.route} ${c.url} as ${cred}`;
        assertNoLeak(res, what);
        assert.ok(res.status < 500, `${what} → ${res.status} ${res.text}`);
        if (want === 'own') continue;
        if (res.status !== want) {
          failures.push(`${what}: expected ${want}, got ${res.status} ${res.text.slice(0, 200)}`);
          continue;
        }
        if (want >= 400) assertError(res, want);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} failures:\n${failures.slice(0, 5).join('\n')}`);
    assert.ok(checked > 300, `replayed ${checked} requests`);
    await assertUnchanged(server, a.id, snapshot);
  });

  it('refuses A’s media to B through query credentials, and A’s app id with B’s secrets there', async () => {
    const url = `/v1/media/${A.media.id}`;
    const asQuery = (q: Record<string, string>) => `${url}?${new URLSearchParams(q)}`;
    assertError(await server.request('GET', asQuery({ appId: b.id, secret: b.secret })), 404);
    assertError(await server.request('GET', asQuery({ appId: b.id, token: B.user.token })), 404);
    assertError(await server.request('GET', asQuery({ appId: a.id, secret: b.secret })), 401);
    assertError(await server.request('GET', asQuery({ appId: a.id, token: B.agent.token })), 401);
    // A's own credentials do get it, so the 404s above are about B.
    const own = await server.request('GET', asQuery({ appId: a.id, token: A.user.token }));
    assert.equal(own.status, 200, own.text);
    assert.equal(own.text, 'Apple file body');
    await assertUnchanged(server, a.id, snapshot);
  });

  it('never lists A’s objects to B', async () => {
    const db = server.sb.store.db;
    const idsOf = (items: Array<{ id: string }>) => items.map((i) => i.id).sort();
    const bUsers = (await db.selectFrom('users').select('id').where('appId', '=', b.id).execute()).map(
      (r) => r.id,
    );
    const users = await expectStatus(server, 200, 'GET', '/v1/users?limit=200', { headers: b.asApp });
    assert.deepEqual(idsOf(users.body.users), [...bUsers].sort());
    const byExternal = await expectStatus(server, 200, 'GET', `/v1/users?externalId=${A.user.externalId}`, {
      headers: b.asApp,
    });
    assert.deepEqual(byExternal.body.users, []);

    const bChats = (await db.selectFrom('chats').select('id').where('appId', '=', b.id).execute()).map(
      (r) => r.id,
    );
    const chats = await expectStatus(server, 200, 'GET', '/v1/chats?limit=200', { headers: b.asApp });
    assert.deepEqual(idsOf(chats.body.chats), [...bChats].sort());
    for (const query of [`userId=${A.user.id}`, `userId=${A.agent.id}`, 'room=2', 'status=closed']) {
      const res = await expectStatus(server, 200, 'GET', `/v1/chats?${query}`, { headers: b.asApp });
      assert.ok(
        res.body.chats.every((c: Json) => bChats.includes(c.id)),
        `/chats?${query} lists another app’s chat`,
      );
    }
    // A search for words both apps' messages hold finds B's chat only (docs/search.md).
    for (const headers of [b.asApp, b.as(B.agent.token), b.as(B.user.token)]) {
      const found = await expectStatus(server, 200, 'GET', '/v1/chats?q=private%20words', { headers });
      assert.deepEqual(idsOf(found.body.chats), [B.chat.id]);
    }
    // B's agent serves room 1, like A's open chat: its room view still ends at its own app. It lists
    // its room's open chats and the closed ones it took part in (not B's closed chat: docs/search.md).
    const agentView = await expectStatus(server, 200, 'GET', '/v1/chats?room=1', {
      headers: b.as(B.agent.token),
    });
    assert.deepEqual(idsOf(agentView.body.chats), [B.chat.id]);
    const userView = await expectStatus(server, 200, 'GET', '/v1/chats', { headers: b.as(B.user.token) });
    assert.deepEqual(idsOf(userView.body.chats), [B.chat.id]);

    const bAgents = (
      await db
        .selectFrom('users')
        .select('id')
        .where('appId', '=', b.id)
        .where('role', '=', 'agent')
        .execute()
    ).map((r) => r.id);
    for (const h of [b.asApp, b.as(B.agent.token)]) {
      const agents = await expectStatus(server, 200, 'GET', '/v1/agents', { headers: h });
      assert.deepEqual(idsOf(agents.body.agents), [...bAgents].sort());
    }

    const media = await expectStatus(server, 200, 'GET', '/v1/media', { headers: b.asApp });
    assert.deepEqual(idsOf(media.body.media), [B.media.id]);
    const mediaOfA = await expectStatus(server, 200, 'GET', `/v1/media?chatId=${A.chat.id}`, {
      headers: b.asApp,
    });
    assert.deepEqual(mediaOfA.body.media, []);

    const tickets = await expectStatus(server, 200, 'GET', '/v1/tickets', { headers: b.asApp });
    assert.deepEqual(idsOf(tickets.body.tickets), [B.ticket.id]);
    const ticketsOfA = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${A.closedChat.id}`, {
      headers: b.asApp,
    });
    assert.deepEqual(ticketsOfA.body.tickets, []);

    // A has an online agent in room 1 and one in room 2; B has one in room 1 and its room-2 agent is out.
    const available = await expectStatus(server, 200, 'GET', '/v1/agents/available?roomIds=1,2', {
      headers: b.asKey,
    });
    assert.deepEqual(available.body.agents, { '1': 1, '2': 0 });
    const online2 = await expectStatus(server, 200, 'GET', '/v1/agents/online?roomId=2', {
      headers: b.asAppId,
    });
    assert.deepEqual(online2.body, { agentsOnline: false });
    const onlineA = await expectStatus(server, 200, 'GET', '/v1/agents/online?roomId=2', {
      headers: a.asAppId,
    });
    assert.deepEqual(onlineA.body, { agentsOnline: true }, 'A’s own view shows its room-2 agent');

    const settings = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: b.asKey });
    assert.deepEqual(
      settings.body.settings.rooms.map((r: Json) => r.name),
      ['General', 'Banana only room'],
    );
    await assertUnchanged(server, a.id, snapshot);
  });

  it('does not let A’s objects into B’s own chats through body fields', async () => {
    const cases: Array<[string, string, number, Json | undefined]> = [
      ['POST', '/v1/chats', 404, { creator: A.user.id }],
      ['POST', `/v1/chats/${B.chat.id}/join`, 404, { userId: A.agent.id }],
      ['POST', `/v1/chats/${B.chat.id}/messages`, 403, { sender: A.user.id, message: 'as A' }],
      ['PUT', `/v1/messages/${B.message.id}/read`, 403, { userId: A.agent.id }],
      ['POST', `/v1/users/${B.user.id}/activity`, 404, { chatId: A.chat.id, type: 'writing' }],
      ['POST', '/v1/agents/logout', 404, { agentId: A.agent.id }],
      ['DELETE', `/v1/chats/${B.chat.id}?userId=${A.user.id}`, 404, undefined],
      // Leaving names a user who is not in B's chat.
      ['PUT', `/v1/chats/${B.chat.id}/leave`, 409, { userId: A.user.id }],
      // Room 2 exists in both apps; room 3 in neither, and A's rooms do not count for B.
      ['PUT', `/v1/chats/${B.chat.id}`, 400, { room: 3 }],
    ];
    for (const [method, url, status, body] of cases) {
      const res = await server.request(method, url, { headers: b.asApp, ...(body ? { body } : {}) });
      assertError(res, status);
      assertNoLeak(res, `${method} ${url}`);
    }
    const { body, contentType } = await multipart(
      { chatId: B.chat.id, senderId: A.user.id },
      { name: 'x.txt', type: 'text/plain', bytes: Buffer.from('x') },
    );
    assertError(
      await server.request('POST', '/v1/media', {
        headers: { ...b.asApp, 'content-type': contentType },
        body,
      }),
      403,
    );
    const chat = await expectStatus(server, 200, 'GET', `/v1/chats/${B.chat.id}`, { headers: b.asApp });
    assert.equal(chat.body.chat.status, 'active', 'B’s chat is still open');
    assert.deepEqual(chat.body.chat.users, [B.user.id, B.agent.id]);
    await assertUnchanged(server, a.id, snapshot);
  });

  it('keeps external ids and agent contacts unique per app only', async () => {
    await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: b.asApp,
      body: { name: 'Same external id', externalId: A.user.externalId },
    });
    const copy = await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: b.asApp,
      body: { name: 'Same contact', contact: A.agent.contact, password: 'banana-pass-1', rooms: [1] },
    });
    assert.notEqual(copy.body.agent.id, A.agent.id);
    assertError(
      await server.request('POST', '/v1/agents/login', {
        headers: b.asKey,
        body: { contact: A.agent.contact, password: A.agent.password },
      }),
      401,
    );
    const login = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: b.asKey,
      body: { contact: A.agent.contact, password: 'banana-pass-1' },
    });
    assert.equal(login.body.user.id, copy.body.agent.id);
    const found = await expectStatus(server, 200, 'GET', `/v1/users?externalId=${A.user.externalId}`, {
      headers: a.asApp,
    });
    assert.deepEqual(
      found.body.users.map((u: Json) => u.id),
      [A.user.id],
      'A still finds only its own user by the external id',
    );
    await assertUnchanged(server, a.id, snapshot);
  });
});
