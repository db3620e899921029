import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertError,
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

const ONE_MB = 1024 * 1024;

/** The envelope (docs/conventions.md), strictly: only `error`, with `code`, `message`, optional `details`. */
function assertEnvelope(res: Response, status: number, message?: RegExp): void {
  assertError(res, status, message);
  assert.deepEqual(Object.keys(res.body), ['error']);
  const keys = Object.keys(res.body.error as Json);
  assert.ok(
    keys.every((k) => ['code', 'message', 'details'].includes(k)),
    `unexpected keys in ${res.text}`,
  );
  assert.ok(Number.isInteger((res.body.error as Json).code));
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.ok(!/\bat .+\.ts:\d+/.test(res.text), 'no stack trace leaks');
}

describeEachStore('errors', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let user: Person;
  let chat: Json;

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Errors app');
    user = await createUser(server, app);
    chat = await createChat(server, app, user);
  });
  after(() => server.close());

  it('answers an unknown route or method with a 404 envelope', async () => {
    assertEnvelope(await server.request('GET', '/v1/nothing-here'), 404);
    assertEnvelope(await server.request('GET', '/nothing-here', { headers: app.asApp }), 404);
    assertEnvelope(await server.request('POST', '/v1/nothing', { headers: app.asApp, body: { a: 1 } }), 404);
    assertEnvelope(await server.request('PATCH', '/v1/users', { headers: app.asApp, body: {} }), 404);
    assertEnvelope(await server.request('DELETE', '/v1/users', { headers: app.asApp }), 404);
    const res = await server.request('GET', '/v1/nothing?secret=abc', { headers: app.asApp });
    assertEnvelope(res, 404);
    assert.ok(!res.text.includes('secret=abc'), 'the query string is not echoed');
  });

  it('answers unparsable JSON with 400', async () => {
    for (const body of ['{bad', '{"name": "x",}', '{"name": "x"', "{'name': 'x'}"]) {
      const res = await server.request('POST', '/v1/users', {
        headers: { ...app.asApp, 'content-type': 'application/json' },
        body,
      });
      assertEnvelope(res, 400, /JSON/);
    }
    const proto = await server.request('POST', '/v1/users', {
      headers: { ...app.asApp, 'content-type': 'application/json' },
      body: '{"name":"x","__proto__":{"role":"agent"}}',
    });
    assertEnvelope(proto, 400);
  });

  it('answers a body over 1 MB with 413', async () => {
    const big = JSON.stringify({ name: 'x', extraInfo: { blob: 'a'.repeat(ONE_MB) } });
    const res = await server.request('POST', '/v1/users', {
      headers: { ...app.asApp, 'content-type': 'application/json' },
      body: big,
    });
    assertEnvelope(res, 413);
    const message = await server.request('POST', `/v1/chats/${chat.id}/messages`, {
      headers: { ...app.as(user.token), 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'b'.repeat(ONE_MB + 10) }),
    });
    assertEnvelope(message, 413);
    // Just under the limit is parsed (and then judged on its fields).
    const under = await server.request('POST', `/v1/chats/${chat.id}/messages`, {
      headers: { ...app.as(user.token), 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'c'.repeat(ONE_MB - 100) }),
    });
    assertEnvelope(under, 400);
    assert.ok(under.body.error.details.some((d: Json) => d.field === 'message'));
  });

  it('answers a body of the wrong content type with 415', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'text/html']) {
      const res = await server.request('POST', '/v1/users', {
        headers: { ...app.asApp, 'content-type': type },
        body: type === 'application/x-www-form-urlencoded' ? 'name=x' : '{"name":"x"}',
      });
      assertEnvelope(res, 415);
    }
    const noType = await server.request('POST', '/v1/users', { headers: app.asApp, body: '{"name":"x"}' });
    assertEnvelope(noType, 415);
    const form = new FormData();
    form.append('name', 'x');
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const multipart = await server.request('POST', '/v1/users', {
      headers: { ...app.asApp, 'content-type': request.headers.get('content-type') ?? '' },
      body: Buffer.from(await request.arrayBuffer()),
    });
    assertEnvelope(multipart, 415);
    const users = await expectStatus(server, 200, 'GET', '/v1/users?limit=200', { headers: app.asApp });
    assert.equal(users.body.users.length, 1, 'none of the refused bodies created a user');
  });

  it('answers validation failures with 400 and details naming each bad field', async () => {
    const res = await server.request('POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 7, contact: 'x@example.com', rooms: 'all', maxChats: 0 },
    });
    assertEnvelope(res, 400);
    const fields = (res.body.error.details as Json[]).map((d) => d.field).sort();
    assert.deepEqual(fields, ['maxChats', 'name', 'password', 'rooms']);
    for (const detail of res.body.error.details as Json[]) assert.equal(typeof detail.message, 'string');
    assert.match(res.body.error.message, /name/);
    const nested = await server.request('POST', `/v1/chats/${chat.id}/history`, {
      headers: app.asApp,
      body: { history: [{ sender: 'assistant', message: 'hi', created: 'yesterday' }] },
    });
    assertEnvelope(nested, 400);
    assert.deepEqual(
      (nested.body.error.details as Json[]).map((d) => d.field),
      ['history.0.created'],
    );
    const param = await server.request('GET', '/v1/chats/has%20space', { headers: app.asApp });
    assertEnvelope(param, 400);
    assert.ok(
      param.body.error.details.some((d: Json) => d.field === 'id'),
      param.text,
    );
    const query = await server.request('GET', '/v1/chats?limit=9999', { headers: app.asApp });
    assertEnvelope(query, 400);
    assert.ok(
      query.body.error.details.some((d: Json) => d.field === 'limit'),
      query.text,
    );
    const unknownParam = await server.request('GET', '/v1/chats?bogus=1', { headers: app.asApp });
    assert.equal(unknownParam.status, 200, 'unknown query parameters are ignored');
  });

  it('answers 401 for missing or wrong credentials without saying which part was wrong', async () => {
    const none = await server.request('GET', '/v1/chats');
    assertEnvelope(none, 401);
    const wrongSecret = await server.request('GET', '/v1/chats', {
      headers: { 'x-hyper-appid': app.id, 'x-hyper-secret': 'wrong' },
    });
    const wrongApp = await server.request('GET', '/v1/chats', {
      headers: { 'x-hyper-appid': 'no-such-app', 'x-hyper-secret': app.secret },
    });
    const wrongToken = await server.request('GET', '/v1/chats', { headers: app.as('tk_wrong') });
    assertEnvelope(wrongSecret, 401);
    assertEnvelope(wrongApp, 401);
    assertEnvelope(wrongToken, 401);
    assert.equal(wrongSecret.body.error.message, wrongApp.body.error.message);
    assert.equal(wrongSecret.body.error.message, wrongToken.body.error.message);
    assertEnvelope(await server.request('GET', '/v1/apps', { headers: { 'x-hyper-admin': 'wrong' } }), 401);
    // Credentials are checked before the body is read: a bad body with bad credentials is a 401.
    const badBoth = await server.request('POST', '/v1/users', {
      headers: { 'x-hyper-appid': app.id, 'x-hyper-secret': 'wrong', 'content-type': 'application/json' },
      body: '{bad',
    });
    assertEnvelope(badBoth, 401);
  });

  it('answers 403 for credentials that may not do this', async () => {
    assertEnvelope(
      await server.request('PUT', '/v1/settings', { headers: app.as(user.token), body: {} }),
      403,
    );
    assertEnvelope(await server.request('GET', '/v1/users', { headers: app.asKey }), 403);
    assertEnvelope(await server.request('GET', '/v1/apps', { headers: app.asApp }), 403);
    assertEnvelope(await server.request('GET', '/v1/tickets', { headers: app.as(user.token) }), 403);
    const other = await createUser(server, app);
    assertEnvelope(
      await server.request('PUT', `/v1/users/${other.id}`, {
        headers: app.as(user.token),
        body: { name: 'x' },
      }),
      403,
    );
  });

  it('answers 404 and 409 in the envelope too', async () => {
    assertEnvelope(await server.request('GET', '/v1/chats/01UNKNOWN', { headers: app.asApp }), 404);
    assertEnvelope(await server.request('GET', '/v1/users/01UNKNOWN', { headers: app.asApp }), 404);
    assertEnvelope(
      await server.request('POST', '/v1/chats', { headers: app.as(user.token), body: {} }),
      409,
      /already/,
    );
  });

  it('sends an x-request-id on every response, and keeps one the client sent', async () => {
    const ok = await server.request('GET', '/v1/health');
    const notFound = await server.request('GET', '/v1/missing');
    const unauthorized = await server.request('GET', '/v1/chats');
    const badJson = await server.request('POST', '/v1/users', {
      headers: { ...app.asApp, 'content-type': 'application/json' },
      body: '{',
    });
    const ids = [ok, notFound, unauthorized, badJson].map((r) => r.headers['x-request-id']);
    for (const id of ids) assert.match(String(id), /^[0-9A-Z]{26}$/);
    assert.equal(new Set(ids).size, ids.length, 'each request has its own id');
    const given = await server.request('GET', '/v1/health', { headers: { 'x-request-id': 'trace-abc-123' } });
    assert.equal(given.headers['x-request-id'], 'trace-abc-123');
  });
});

describe('errors over real HTTP [sqlite]', () => {
  let server: TestServer;
  let app: TestApp;
  let base: string;

  before(async () => {
    server = await startServer('sqlite');
    app = await createTestApp(server, 'HTTP app');
    base = await server.sb.listen();
  });
  after(() => server.close());

  async function call(method: string, path: string, init: RequestInit = {}): Promise<globalThis.Response> {
    return fetch(`${base}${path}`, { method, redirect: 'manual', ...init });
  }

  async function envelope(res: globalThis.Response, status: number): Promise<Json> {
    assert.equal(res.status, status);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9A-Z]{26}$/);
    const body = (await res.json()) as Json;
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, status);
    assert.equal(typeof body.error.message, 'string');
    return body;
  }

  it('binds to 127.0.0.1 on a free port', () => {
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(base).port, '0');
  });

  it('answers unknown routes, bad JSON, wrong types and oversize bodies in the envelope', async () => {
    await envelope(await call('GET', '/v1/nowhere'), 404);
    const json = { ...app.asApp, 'content-type': 'application/json' };
    await envelope(await call('POST', '/v1/users', { headers: json, body: '{"name":' }), 400);
    await envelope(
      await call('POST', '/v1/users', {
        headers: { ...app.asApp, 'content-type': 'text/plain' },
        body: 'hi',
      }),
      415,
    );
    await envelope(await call('POST', '/v1/users', { headers: json, body: 'x'.repeat(ONE_MB + 1) }), 413);
    const invalid = await envelope(
      await call('POST', '/v1/users', { headers: json, body: '{"name": 5}' }),
      400,
    );
    assert.ok(invalid.error.details.some((d: Json) => d.field === 'name'));
    await envelope(await call('GET', '/v1/chats'), 401);
  });

  it('answers a trailing-slash POST and a bodiless DELETE directly', async () => {
    const created = await call('POST', '/v1/users/', {
      headers: { ...app.asApp, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Over HTTP' }),
    });
    assert.equal(created.status, 201);
    const body = (await created.json()) as Json;
    const token = body.session.token as string;
    const opened = await call('POST', '/v1/chats/', { headers: app.as(token) });
    assert.equal(opened.status, 201);
    const chatId = ((await opened.json()) as Json).chat.id as string;
    const closed = await call('DELETE', `/v1/chats/${chatId}`, { headers: app.as(token) });
    assert.equal(closed.status, 200);
    assert.equal(((await closed.json()) as Json).chat.status, 'closed');
    const media = await call('GET', `/v1/media/?appId=${app.id}&secret=${app.secret}`);
    await envelope(media, 401);
  });
});
