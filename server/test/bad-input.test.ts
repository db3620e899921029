import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  type AppSnapshot,
  assertUnchanged,
  buildDataSet,
  type DataSet,
  multipart,
  snapshotApp,
} from './helpers/dataset.ts';
import { assertError, createTestApp, eventsOf, type TestApp } from './helpers/fixtures.ts';
import {
  describeEachStore,
  type Json,
  type Response,
  startServer,
  type TestServer,
} from './helpers/harness.ts';
import { routeKey, SPEC_ROUTES } from './helpers/routes.ts';

/**
 * Bad input never changes anything and never reaches a 500 (docs/conventions.md): unparsable JSON,
 * bodies that are not objects, wrong types and missing fields are 400 with `details` naming the field;
 * unknown ids are 404; ids that cannot be ids are 400 or 404.
 */

// Wrong values by the type a field has. `null` and "" are absent (docs/conventions.md): no wrong types.
const STRING = [42, true, { a: 1 }, ['x']];
const INTEGER = ['3', 1.5, true, { n: 1 }];
const INT_ARRAY = ['1', { 0: 1 }, ['1'], [true]];
const STRING_ARRAY = ['en', { 0: 'en' }, [5]];
const OBJECT = ['x', 5, ['a']];
const HISTORY = [
  'x',
  { 0: {} },
  [5],
  [{ sender: 5, message: 'x', created: 1 }],
  [{ sender: 'assistant', message: 'x', created: '1' }],
  [{ sender: 'assistant', message: 'x', created: 1, type: 'video' }],
  [{ sender: 'assistant', created: 1 }],
];
const enumOf = (...extra: unknown[]) => ['bogus', 3, true, ...extra];

interface BodyRoute {
  route: string;
  url: string;
  headers: Record<string, string>;
  /** A body that passes validation; each probe breaks exactly one thing in it. */
  valid: Json;
  /** Wrong values per field. */
  wrong: Record<string, unknown[]>;
  /** Fields the schema requires. */
  required?: string[];
  /** Fields the handler requires for the app server (the secret), which a token would imply. */
  requiredForSecret?: string[];
}

const UNKNOWN = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
/** Ids no route can hold: a space, non-ASCII, punctuation, SQL, a NUL byte, one character too long. */
const BAD_IDS = ['a%20b', '%E2%82%AC', 'a.b', '%27%3B--', '%00', 'x'.repeat(65)];
/** Ids the router itself refuses: longer than its parameter limit, and percent-encoding cut short. */
const ROUTER_BAD_IDS = ['x'.repeat(200), '%E0%A4%A'];

/** True when a 400's `details` name the field (or a part of it, such as `rooms.0`). */
function names(res: Response, field: string): boolean {
  const details = (res.body as Json)?.error?.details as Array<{ field: string }> | undefined;
  return (details ?? []).some((d) => d.field === field || d.field.startsWith(`${field}.`));
}

describeEachStore('bad input', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let D: DataSet;
  let admin: Record<string, string>;
  let snapshot: AppSnapshot;
  let eventCount: number;
  let appCount: number;

  before(async () => {
    server = await startServer(kind);
    admin = { 'x-hyper-admin': server.adminKey };
    app = await createTestApp(server, 'Bad input');
    D = await buildDataSet(server, app, 'Cherry');
    snapshot = await snapshotApp(server, app.id);
    eventCount = (await eventsOf(server, app.id)).length;
    appCount = (await server.sb.store.db.selectFrom('apps').select('id').execute()).length;
    assert.ok(eventCount > 0);
  });
  after(() => server.close());

  /** Nothing changed: the app's events (what realtime and webhooks carry), its rows, and the app list. */
  async function assertNothingChanged(): Promise<void> {
    assert.equal((await eventsOf(server, app.id)).length, eventCount, 'events of the app');
    await assertUnchanged(server, app.id, snapshot);
    assert.equal((await server.sb.store.db.selectFrom('apps').select('id').execute()).length, appCount);
  }

  function bodyRoutes(): BodyRoute[] {
    const line = { sender: 'assistant', message: 'hi', created: 1700000000 };
    const S = app.asApp;
    return [
      {
        route: 'POST /apps',
        url: '/v1/apps',
        headers: admin,
        valid: { name: 'X', domains: ['a.example'] },
        wrong: { name: STRING, domains: ['a.example', [5], { 0: 'a' }] },
        required: ['name'],
      },
      {
        route: 'PUT /apps/{appId}',
        url: `/v1/apps/${app.id}`,
        headers: S,
        valid: { name: 'X', domains: ['a.example'] },
        wrong: { name: STRING, domains: ['a.example', [5], { 0: 'a' }] },
      },
      {
        route: 'POST /users',
        url: '/v1/users',
        headers: S,
        valid: { name: 'N', contact: 'c@x.example', externalId: 'e-1', extraInfo: {} },
        wrong: { name: STRING, contact: STRING, externalId: STRING, extraInfo: OBJECT },
      },
      {
        route: 'PUT /users/{id}',
        url: `/v1/users/${D.user.id}`,
        headers: S,
        valid: { name: 'N', contact: 'c@x.example', externalId: 'e-1', extraInfo: {} },
        wrong: { name: STRING, contact: STRING, externalId: STRING, extraInfo: OBJECT },
      },
      {
        route: 'POST /users/{id}/activity',
        url: `/v1/users/${D.user.id}/activity`,
        headers: S,
        valid: { chatId: D.chat.id, type: 'writing' },
        wrong: { chatId: STRING, type: enumOf('typing') },
        required: ['chatId', 'type'],
      },
      {
        route: 'POST /agents',
        url: '/v1/agents',
        headers: S,
        valid: {
          name: 'A',
          nickname: 'a',
          contact: 'new@agents.example',
          password: 'pw-123456',
          rooms: [1],
          langs: ['en'],
          maxChats: 2,
        },
        wrong: {
          name: STRING,
          nickname: STRING,
          contact: STRING,
          password: STRING,
          rooms: INT_ARRAY,
          langs: STRING_ARRAY,
          maxChats: INTEGER,
        },
        required: ['name', 'contact', 'password', 'rooms'],
      },
      {
        route: 'PUT /agents/{id}',
        url: `/v1/agents/${D.agent.id}`,
        headers: S,
        valid: {
          name: 'A',
          nickname: 'a',
          contact: 'changed@agents.example',
          password: 'pw-654321',
          rooms: [1],
          langs: ['en'],
          maxChats: 2,
          status: 'away',
        },
        wrong: {
          name: STRING,
          nickname: STRING,
          contact: STRING,
          password: STRING,
          rooms: INT_ARRAY,
          langs: STRING_ARRAY,
          maxChats: INTEGER,
          status: enumOf('busy'),
        },
      },
      {
        route: 'POST /agents/login',
        url: '/v1/agents/login',
        headers: S,
        valid: { contact: D.agent.contact, password: D.agent.password },
        wrong: { contact: STRING, password: STRING },
        required: ['contact', 'password'],
      },
      {
        route: 'POST /agents/logout',
        url: '/v1/agents/logout',
        headers: S,
        valid: { agentId: D.agent.id, rooms: [1] },
        wrong: { agentId: STRING, rooms: INT_ARRAY },
        requiredForSecret: ['agentId'],
      },
      {
        route: 'POST /chats',
        url: '/v1/chats',
        headers: S,
        valid: {
          creator: D.closedUser.id,
          room: 1,
          lang: 'en',
          source: 3,
          externalId: 'e',
          priority: 1,
          history: [line],
        },
        wrong: {
          creator: STRING,
          room: INTEGER,
          lang: STRING,
          source: INTEGER,
          externalId: STRING,
          priority: INTEGER,
          history: HISTORY,
        },
        requiredForSecret: ['creator'],
      },
      {
        route: 'PUT /chats/{id}',
        url: `/v1/chats/${D.chat.id}`,
        headers: S,
        valid: { priority: 2, externalId: 'e', lang: 'en', room: 1 },
        wrong: { priority: INTEGER, externalId: STRING, lang: STRING, room: INTEGER },
      },
      {
        route: 'DELETE /chats/{id}',
        url: `/v1/chats/${D.chat.id}`,
        headers: S,
        valid: { extraData: { reason: 'x' } },
        wrong: { extraData: OBJECT },
      },
      {
        route: 'POST /chats/{id}/messages',
        url: `/v1/chats/${D.chat.id}/messages`,
        headers: S,
        valid: { sender: D.user.id, message: 'hi', type: 'text', clientId: 'c-1' },
        wrong: { sender: STRING, message: STRING, type: enumOf('media', 'image'), clientId: STRING },
        required: ['message'],
      },
      {
        route: 'POST /chats/{id}/history',
        url: `/v1/chats/${D.chat.id}/history`,
        headers: S,
        valid: { history: [line] },
        wrong: { history: HISTORY },
        required: ['history'],
      },
      {
        route: 'POST /chats/{id}/join',
        url: `/v1/chats/${D.chat.id}/join`,
        headers: S,
        valid: { userId: D.agent.id },
        wrong: { userId: STRING },
        requiredForSecret: ['userId'],
      },
      {
        route: 'PUT /chats/{id}/leave',
        url: `/v1/chats/${D.chat.id}/leave`,
        headers: S,
        valid: { userId: D.agent.id },
        wrong: { userId: STRING },
        requiredForSecret: ['userId'],
      },
      {
        route: 'PUT /messages/{id}/read',
        url: `/v1/messages/${D.message.id}/read`,
        headers: S,
        valid: { userId: D.agent.id },
        wrong: { userId: STRING },
        requiredForSecret: ['userId'],
      },
    ];
  }

  const send = (r: BodyRoute, body: unknown, headers: Record<string, string> = {}) =>
    server.request(r.route.split(' ')[0]!, r.url, { headers: { ...r.headers, ...headers }, body });

  it('sweeps every JSON body route of the route table that exists', () => {
    const swept = new Set(bodyRoutes().map((r) => r.route));
    // PUT /settings has its own sweep below; POST /media is multipart.
    const missing = SPEC_ROUTES.filter(
      (r) => r.body === 'json' && !r.later && r.method + r.path !== 'PUT/settings' && !swept.has(routeKey(r)),
    ).map(routeKey);
    assert.deepEqual(missing, []);
  });

  it('answers unparsable JSON with 400, and a body of another type with 415', async () => {
    const routes = [
      ...bodyRoutes(),
      { route: 'PUT /settings', url: '/v1/settings', headers: app.asApp, valid: {}, wrong: {} },
    ];
    for (const r of routes) {
      for (const text of ['{"name": ', '{name: 1}', "{'a': 1}", '{"a":1}}', '\u0000']) {
        const res = await send(r, text, { 'content-type': 'application/json' });
        assertError(res, 400);
        assert.doesNotMatch(res.text, /at .*\.ts:\d+|SyntaxError:/, `${r.route}: no internals`);
      }
      assertError(await send(r, JSON.stringify(r.valid), { 'content-type': 'text/plain' }), 415);
    }
    await assertNothingChanged();
  });

  it('answers a JSON array or scalar instead of an object with 400 naming the body', async () => {
    const routes = [
      ...bodyRoutes(),
      { route: 'PUT /settings', url: '/v1/settings', headers: app.asApp, valid: {}, wrong: {} },
    ];
    for (const r of routes) {
      for (const body of [[r.valid], [], 42, '"text"', true]) {
        const res = await send(r, typeof body === 'string' ? body : JSON.stringify(body), {
          'content-type': 'application/json',
        });
        assertError(res, 400);
        assert.ok(
          Array.isArray(res.body.error.details) && res.body.error.details.length > 0,
          `${r.route} ${JSON.stringify(body)}: details name what is wrong: ${res.text}`,
        );
      }
    }
    await assertNothingChanged();
  });

  it('answers a wrong type in any field with 400 whose details name the field', async () => {
    const failures: string[] = [];
    let probes = 0;
    for (const r of bodyRoutes()) {
      for (const [field, values] of Object.entries(r.wrong)) {
        for (const value of values) {
          probes++;
          const res = await send(r, { ...r.valid, [field]: value });
          const what = `${r.route} ${field}=${JSON.stringify(value)}`;
          if (res.status !== 400 || !names(res, field)) failures.push(`${what} → ${res.status} ${res.text}`);
          else assertError(res, 400);
        }
      }
    }
    assert.equal(failures.length, 0, `${failures.length} failures:\n${failures.slice(0, 5).join('\n')}`);
    assert.ok(probes > 100, `${probes} probes`);
    await assertNothingChanged();
  });

  it('answers a missing required field with 400 whose details name it', async () => {
    const failures: string[] = [];
    for (const r of bodyRoutes()) {
      for (const field of [...(r.required ?? []), ...(r.requiredForSecret ?? [])]) {
        const { [field]: _dropped, ...rest } = r.valid;
        for (const body of [rest, { ...rest, [field]: null }, { ...rest, [field]: '' }]) {
          const res = await send(r, body);
          if (res.status !== 400 || !names(res, field))
            failures.push(
              `${r.route} without ${field} (${JSON.stringify(body[field])}) → ${res.status} ${res.text}`,
            );
          else assertError(res, 400);
        }
      }
      // With every required field missing at once, each is named.
      const all = [...(r.required ?? [])];
      if (all.length > 1) {
        const res = await send(r, {});
        assertError(res, 400);
        for (const field of all) assert.ok(names(res, field), `${r.route} {} names ${field}: ${res.text}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} failures:\n${failures.slice(0, 5).join('\n')}`);
    await assertNothingChanged();
  });

  it('answers settings of the wrong type with 400 naming the setting', async () => {
    const cases: Array<[Json, string]> = [
      [{ rooms: 'x' }, 'rooms'],
      [{ rooms: [{ id: '1', name: 'x' }] }, 'rooms.0.id'],
      [{ rooms: [{ id: 1 }] }, 'rooms.0.name'],
      [{ rooms: [] }, 'rooms'],
      [{ langs: [5] }, 'langs.0'],
      [{ queue: { active: 'yes' } }, 'queue.active'],
      [{ assign: { timeout: '30' } }, 'assign.timeout'],
      [{ assign: { algorithm: 'random' } }, 'assign.algorithm'],
      [{ assign: 5 }, 'assign'],
      [{ media: { maxBytes: 1.5 } }, 'media.maxBytes'],
      [{ media: { allowedTypes: 'image/*' } }, 'media.allowedTypes'],
      [{ tickets: { createOnClose: 1 } }, 'tickets.createOnClose'],
      [{ auth: { requireDomainKey: 'no' } }, 'auth.requireDomainKey'],
      [{ chats: { inactivityTimeout: -1 } }, 'chats.inactivityTimeout'],
      [{ presence: { reconnectGrace: [] } }, 'presence.reconnectGrace'],
    ];
    for (const [body, field] of cases) {
      const res = await server.request('PUT', '/v1/settings', { headers: app.asApp, body });
      assertError(res, 400);
      assert.ok(names(res, field), `${JSON.stringify(body)} names ${field}: ${res.text}`);
    }
    await assertNothingChanged();
  });

  it('refuses bad uploads with 4xx, naming the missing or bad part', async () => {
    const file = { name: 'f.txt', type: 'text/plain', bytes: Buffer.from('data') };
    const upload = async (fields: Record<string, string>, withFile = true) => {
      const { body, contentType } = await multipart(fields, withFile ? file : undefined);
      return server.request('POST', '/v1/media', {
        headers: { ...app.asApp, 'content-type': contentType },
        body,
      });
    };
    const cases: Array<[Response, number, string]> = [
      [await upload({ senderId: D.user.id }), 400, 'chatId'],
      [await upload({ chatId: 'a b', senderId: D.user.id }), 400, 'chatId'],
      [await upload({ chatId: 'x'.repeat(200), senderId: D.user.id }), 400, 'chatId'],
      [await upload({ chatId: D.chat.id, senderId: D.user.id }, false), 400, 'media'],
      [await upload({ chatId: D.chat.id }), 400, 'senderId'],
    ];
    for (const [res, status, field] of cases) {
      assertError(res, status);
      assert.ok(names(res, field), `details name ${field}: ${res.text}`);
    }
    // Unknown chat: 404.
    assertError(await upload({ chatId: UNKNOWN, senderId: D.user.id }), 404);
    // Not multipart at all: the wrong content type.
    for (const [body, type] of [
      ['{"chatId": "x"}', 'application/json'],
      ['[]', 'application/json'],
      ['chatId=x', 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await server.request('POST', '/v1/media', {
        headers: { ...app.asApp, 'content-type': type },
        body,
      });
      assert.ok([400, 415].includes(res.status), `${type} → ${res.status} ${res.text}`);
      assertError(res, res.status);
    }
    // Multipart in name only: broken or missing boundaries are the client's fault, not a 500.
    for (const [body, type] of [
      ['garbage', 'multipart/form-data; boundary=xyz'],
      [
        '--xyz\r\nContent-Disposition: form-data; name="chatId"\r\n\r\nabc',
        'multipart/form-data; boundary=xyz',
      ],
      ['--xyz--', 'multipart/form-data'],
    ] as const) {
      const res = await server.request('POST', '/v1/media', {
        headers: { ...app.asApp, 'content-type': type },
        body,
      });
      assert.ok(res.status >= 400 && res.status < 500, `${JSON.stringify(body)} → ${res.status} ${res.text}`);
      assertError(res, res.status);
    }
    await assertNothingChanged();
  });

  /** Every route with an id in its path, with a body that would pass, called on the app's own objects. */
  function idRoutes(): Array<{
    route: string;
    url: (id: string) => string;
    headers: Record<string, string>;
    body?: Json;
  }> {
    const S = app.asApp;
    return [
      { route: 'GET /apps/{appId}', url: (id) => `/v1/apps/${id}`, headers: admin },
      {
        route: 'PUT /apps/{appId}',
        url: (id) => `/v1/apps/${id}`,
        headers: admin,
        body: { name: 'Renamed' },
      },
      { route: 'GET /apps/{appId}/validate', url: (id) => `/v1/apps/${id}/validate`, headers: S },
      { route: 'GET /users/{id}', url: (id) => `/v1/users/${id}`, headers: S },
      { route: 'PUT /users/{id}', url: (id) => `/v1/users/${id}`, headers: S, body: { name: 'Renamed' } },
      { route: 'POST /users/{id}/token', url: (id) => `/v1/users/${id}/token`, headers: S },
      {
        route: 'POST /users/{id}/activity',
        url: (id) => `/v1/users/${id}/activity`,
        headers: S,
        body: { chatId: D.chat.id, type: 'writing' },
      },
      { route: 'GET /agents/{id}', url: (id) => `/v1/agents/${id}`, headers: S },
      { route: 'PUT /agents/{id}', url: (id) => `/v1/agents/${id}`, headers: S, body: { nickname: 'n' } },
      { route: 'GET /chats/{id}', url: (id) => `/v1/chats/${id}`, headers: S },
      { route: 'PUT /chats/{id}', url: (id) => `/v1/chats/${id}`, headers: S, body: { priority: 4 } },
      { route: 'DELETE /chats/{id}', url: (id) => `/v1/chats/${id}`, headers: S },
      { route: 'GET /chats/{id}/messages', url: (id) => `/v1/chats/${id}/messages`, headers: S },
      {
        route: 'POST /chats/{id}/messages',
        url: (id) => `/v1/chats/${id}/messages`,
        headers: S,
        body: { message: 'hi' },
      },
      { route: 'GET /chats/{id}/history', url: (id) => `/v1/chats/${id}/history`, headers: S },
      {
        route: 'POST /chats/{id}/history',
        url: (id) => `/v1/chats/${id}/history`,
        headers: S,
        body: { history: [{ sender: 'assistant', message: 'x', created: 1 }] },
      },
      { route: 'GET /chats/{id}/users', url: (id) => `/v1/chats/${id}/users`, headers: S },
      {
        route: 'POST /chats/{id}/join',
        url: (id) => `/v1/chats/${id}/join`,
        headers: S,
        body: { userId: D.agent.id },
      },
      {
        route: 'PUT /chats/{id}/leave',
        url: (id) => `/v1/chats/${id}/leave`,
        headers: S,
        body: { userId: D.agent.id },
      },
      {
        route: 'PUT /messages/{id}/read',
        url: (id) => `/v1/messages/${id}/read`,
        headers: S,
        body: { userId: D.agent.id },
      },
      { route: 'GET /media/{id}', url: (id) => `/v1/media/${id}`, headers: S },
      { route: 'GET /tickets/{id}', url: (id) => `/v1/tickets/${id}`, headers: S },
    ];
  }

  it('covers every route of the route table with an id in its path', () => {
    const covered = new Set(idRoutes().map((r) => r.route));
    const missing = SPEC_ROUTES.filter(
      (r) => r.path.includes('{') && !r.later && !covered.has(routeKey(r)),
    ).map(routeKey);
    assert.deepEqual(missing, []);
  });

  it('answers an unknown id with 404 on every route with an id', async () => {
    for (const r of idRoutes()) {
      const res = await server.request(r.route.split(' ')[0]!, r.url(UNKNOWN), {
        headers: r.headers,
        ...(r.body ? { body: r.body } : {}),
      });
      assert.equal(res.status, 404, `${r.route} → ${res.status} ${res.text}`);
      assertError(res, 404);
    }
    // Ids of the wrong kind are unknown too: an end user is no agent, a chat no message.
    for (const [method, url] of [
      ['GET', `/v1/agents/${D.user.id}`],
      ['GET', `/v1/tickets/${D.chat.id}`],
      ['GET', `/v1/media/${D.message.id}`],
      ['GET', `/v1/chats/${D.user.id}`],
    ] as const) {
      assertError(await server.request(method, url, { headers: app.asApp }), 404);
    }
    // Unknown ids inside bodies.
    for (const [method, url, body] of [
      ['POST', '/v1/chats', { creator: UNKNOWN }],
      ['POST', `/v1/users/${D.user.id}/activity`, { chatId: UNKNOWN, type: 'writing' }],
      ['POST', '/v1/agents/logout', { agentId: UNKNOWN }],
      ['POST', `/v1/chats/${D.chat.id}/join`, { userId: UNKNOWN }],
    ] as const) {
      assertError(await server.request(method, url, { headers: app.asApp, body }), 404);
    }
    await assertNothingChanged();
  });

  it('answers ids that cannot be ids with 400 naming the parameter, or 404 — never 500', async () => {
    const failures: string[] = [];
    for (const r of idRoutes()) {
      const param = r.route.includes('{appId}') ? 'appId' : 'id';
      for (const id of BAD_IDS) {
        const res = await server.request(r.route.split(' ')[0]!, r.url(id), {
          headers: r.headers,
          ...(r.body ? { body: r.body } : {}),
        });
        const what = `${r.route} id=${id.slice(0, 20)}`;
        if (res.status !== 400 && res.status !== 404) {
          failures.push(`${what} → ${res.status} ${res.text}`);
          continue;
        }
        assertError(res, res.status);
        // A 404 from the router ("No route") would mean the id changed the route; the route must answer.
        if (res.status === 404) assert.doesNotMatch(res.body.error.message, /^No route/, what);
        if (res.status === 400 && !names(res, param))
          failures.push(`${what} → 400 without naming ${param}: ${res.text}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} failures:\n${failures.slice(0, 5).join('\n')}`);
    await assertNothingChanged();
  });

  it('answers ids the router refuses (200 characters, broken percent-encoding) with 400 or 404 in the envelope', async () => {
    const failures: string[] = [];
    for (const r of idRoutes()) {
      for (const id of ROUTER_BAD_IDS) {
        const res = await server.request(r.route.split(' ')[0]!, r.url(id), {
          headers: r.headers,
          ...(r.body ? { body: r.body } : {}),
        });
        const enveloped = typeof res.body?.error === 'object' && res.body.error.code === res.status;
        if ((res.status !== 400 && res.status !== 404) || !enveloped)
          failures.push(`${r.route} id=${id.slice(0, 20)} → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    assert.equal(failures.length, 0, `${failures.length} failures:\n${failures.slice(0, 5).join('\n')}`);
    await assertNothingChanged();
  });

  it('answers malformed app ids in credentials with 401, never 500', async () => {
    for (const appId of ['a b', 'x'.repeat(300), 'ü', "x';--"]) {
      const res = await server.request('GET', '/v1/settings', {
        headers: { 'x-hyper-appid': appId, 'x-hyper-secret': app.secret },
      });
      assertError(res, 401);
    }
    for (const appId of ['%00', 'a%20b', 'x'.repeat(300)]) {
      const res = await server.request('GET', `/v1/media/${D.media.id}?appId=${appId}&secret=${app.secret}`);
      assertError(res, 401);
    }
    await assertNothingChanged();
  });

  it('answers bad query parameters with 400 naming the parameter', async () => {
    const chat = D.chat.id;
    const cases: Array<[string, string, string]> = [
      ['GET', '/v1/chats?status=open', 'status'],
      ['GET', '/v1/chats?room=abc', 'room'],
      ['GET', '/v1/chats?room=0', 'room'],
      ['GET', '/v1/chats?limit=0', 'limit'],
      ['GET', '/v1/chats?limit=201', 'limit'],
      ['GET', '/v1/chats?userId=a%20b', 'userId'],
      ['GET', '/v1/chats?cursor=%21%21', 'cursor'],
      ['GET', '/v1/users?role=boss', 'role'],
      ['GET', '/v1/users?limit=abc', 'limit'],
      ['GET', `/v1/chats/${chat}/messages?after=-1`, 'after'],
      ['GET', `/v1/chats/${chat}/messages?limit=500`, 'limit'],
      ['GET', `/v1/chats/${chat}/history?format=xml`, 'format'],
      ['GET', '/v1/agents/available?roomIds=a,b', 'roomIds'],
      ['GET', '/v1/agents/online?roomId=x', 'roomId'],
      ['GET', '/v1/media?chatId=a%20b', 'chatId'],
      ['GET', '/v1/tickets?externalId=a%20b', 'externalId'],
      ['DELETE', `/v1/chats/${chat}?userId=a%20b`, 'userId'],
    ];
    for (const [method, url, field] of cases) {
      const res = await server.request(method, url, { headers: app.asApp });
      assertError(res, 400);
      assert.ok(names(res, field), `${method} ${url} names ${field}: ${res.text}`);
    }
    await assertNothingChanged();
  });

  it('refuses a NUL character in an app’s name or domains with 400 naming the field', async () => {
    const nul = 'a\u0000b';
    const made = await server.request('POST', '/v1/apps', { headers: admin, body: { name: nul } });
    assertError(made, 400);
    assert.ok(names(made, 'name'), made.text);
    for (const headers of [admin, app.asApp]) {
      const renamed = await server.request('PUT', `/v1/apps/${app.id}`, {
        headers,
        body: { name: 'Fine', domains: ['ok.example', nul] },
      });
      assertError(renamed, 400);
      assert.ok(names(renamed, 'domains.1'), renamed.text);
    }
    await assertNothingChanged();
  });

  // Last: where a store accepts the text, this test creates rows.
  it('takes text with a NUL character as stored, or refuses it with 400 naming the field — never 500', async () => {
    const nul = 'a\u0000b';
    const S = app.asApp;
    const cases: Array<[string, string, Json | undefined, string]> = [
      ['POST', '/v1/users', { name: nul }, 'name'],
      ['POST', '/v1/users', { contact: nul }, 'contact'],
      ['POST', '/v1/users', { externalId: nul }, 'externalId'],
      ['PUT', `/v1/users/${D.closedUser.id}`, { name: nul }, 'name'],
      [
        'POST',
        '/v1/agents',
        { name: nul, contact: 'nul@agents.example', password: 'pw-1', rooms: [1] },
        'name',
      ],
      ['POST', '/v1/agents/login', { contact: nul, password: 'x' }, 'contact'],
      ['POST', `/v1/chats/${D.chat.id}/messages`, { message: nul }, 'message'],
      ['PUT', `/v1/chats/${D.chat.id}`, { externalId: nul }, 'externalId'],
      ['GET', `/v1/users?externalId=${encodeURIComponent(nul)}`, undefined, 'externalId'],
    ];
    const failures: string[] = [];
    for (const [method, url, body, field] of cases) {
      const res = await server.request(method, url, { headers: S, ...(body ? { body } : {}) });
      const what = `${method} ${url.slice(0, 40)} ${field}`;
      if (res.status >= 500) failures.push(`${what} → ${res.status} ${res.text}`);
      else if (res.status === 400 && !names(res, field))
        failures.push(`${what} → 400 without naming ${field}`);
      else if (res.status >= 400) assertError(res, res.status);
    }
    assert.equal(failures.length, 0, `${failures.length} failures:\n${failures.slice(0, 5).join('\n')}`);
  });
});
