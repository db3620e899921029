import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertError, createTestApp, createUser, expectStatus, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';
import { connect, open } from './helpers/ws.ts';

const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';

function preflight(
  server: TestServer,
  url: string,
  origin: string,
  method = 'POST',
  headers = 'content-type',
) {
  return server.request('OPTIONS', url, {
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });
}

async function userCount(server: TestServer, app: TestApp): Promise<number> {
  const res = await expectStatus(server, 200, 'GET', '/v1/users?limit=200', { headers: app.asApp });
  return res.body.users.length;
}

describeEachStore('CORS: the browser edge', (kind) => {
  let server: TestServer;
  let listed: TestApp; // domains: shop.example
  let open_: TestApp; // no domains

  before(async () => {
    server = await startServer(kind);
    listed = await createTestApp(server, 'Shop', ['shop.example']);
    open_ = await createTestApp(server, 'Open');
  });
  after(() => server.close());

  test('a preflight on any /v1 route answers 204 with the browser headers, for any origin', async () => {
    for (const url of ['/v1/users', '/v1/chats/01ABC/messages', '/v1/media', '/v1/users/']) {
      const res = await preflight(server, url, EVIL, 'POST', 'content-type, x-hyper-appid, x-hyper-key');
      assert.equal(res.status, 204, `${url}: ${res.text}`);
      assert.equal(res.headers['access-control-allow-origin'], EVIL);
      assert.equal(res.headers['access-control-allow-methods'], 'GET, POST, PUT, DELETE');
      const allowed = String(res.headers['access-control-allow-headers']).split(', ');
      for (const name of ['content-type', 'x-hyper-appid', 'x-hyper-key', 'x-hyper-token'])
        assert.ok(allowed.includes(name), name);
      // The secret and the admin key never travel cross-origin.
      assert.ok(!allowed.includes('x-hyper-secret'));
      assert.ok(!allowed.includes('x-hyper-admin'));
      assert.equal(res.headers['access-control-max-age'], '7200');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      assert.match(String(res.headers.vary), /Origin/);
    }
  });

  test('an OPTIONS that is not a preflight gets Allow and no CORS headers; an odd method is not allowed', async () => {
    const plain = await server.request('OPTIONS', '/v1/users');
    assert.equal(plain.status, 204);
    assert.equal(plain.headers.allow, 'GET, POST, PUT, DELETE, OPTIONS');
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    const patch = await preflight(server, '/v1/users', SHOP, 'PATCH');
    assert.equal(patch.status, 204);
    assert.equal(patch.headers['access-control-allow-origin'], undefined);
  });

  test('a listed origin gets its answer with Access-Control-Allow-Origin and the exposed headers', async () => {
    const res = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: { ...listed.asKey, origin: SHOP },
      body: { name: 'Visitor' },
    });
    assert.equal(res.headers['access-control-allow-origin'], SHOP);
    assert.match(String(res.headers['access-control-expose-headers']), /x-request-id/);
    assert.match(String(res.headers.vary), /Origin/);
    const token = res.body.session.token as string;
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: { ...listed.as(token), origin: SHOP },
      body: {},
    });
    assert.equal(chat.headers['access-control-allow-origin'], SHOP);
  });

  test('an origin the app does not list is refused with a readable 403 and changes nothing', async () => {
    const before = await userCount(server, listed);
    const res = await server.request('POST', '/v1/users', {
      headers: { ...listed.asKey, origin: EVIL },
      body: { name: 'Intruder' },
    });
    assertError(res, 403, /domains/);
    assert.equal(res.headers['access-control-allow-origin'], EVIL, 'the widget can read why');
    assert.equal(await userCount(server, listed), before);

    // A visitor's session used from a foreign site: refused too, and no chat is made.
    const visitor = await createUser(server, listed);
    const chat = await server.request('POST', '/v1/chats', {
      headers: { ...listed.as(visitor.token), origin: EVIL },
      body: {},
    });
    assertError(chat, 403, /domains/);
    const chats = await expectStatus(server, 200, 'GET', `/v1/chats?userId=${visitor.id}`, {
      headers: listed.asApp,
    });
    assert.equal(chats.body.chats.length, 0);
    // The same session without an Origin (a server, not a browser) is not held to domains.
    await expectStatus(server, 201, 'POST', '/v1/chats', { headers: listed.as(visitor.token), body: {} });
  });

  test('the server’s own pages may use any app (Origin = the Host called)', async () => {
    const res = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: { ...listed.asAppId, origin: 'http://chat.internal:8000', host: 'chat.internal:8000' },
      body: { name: 'From the demo page' },
    });
    assert.equal(res.headers['access-control-allow-origin'], 'http://chat.internal:8000');
    // Another port of the same host is another origin.
    const other = await server.request('POST', '/v1/users', {
      headers: { ...listed.asAppId, origin: 'http://chat.internal:9000', host: 'chat.internal:8000' },
      body: { name: 'x' },
    });
    assertError(other, 403);
  });

  test('an app without domains answers every origin', async () => {
    for (const origin of [SHOP, EVIL, 'http://localhost:5173']) {
      const res = await expectStatus(server, 201, 'POST', '/v1/users', {
        headers: { ...open_.asKey, origin },
        body: { name: 'Anyone' },
      });
      assert.equal(res.headers['access-control-allow-origin'], origin);
    }
    const settings = await expectStatus(server, 200, 'GET', '/v1/settings', {
      headers: { ...open_.asAppId, origin: EVIL },
    });
    assert.equal(settings.headers['access-control-allow-origin'], EVIL);
  });

  test('errors reach the browser too: a bad token, an unknown route', async () => {
    const bad = await server.request('GET', '/v1/chats', {
      headers: { ...open_.as('nope'), origin: SHOP },
    });
    assertError(bad, 401);
    assert.equal(bad.headers['access-control-allow-origin'], SHOP);
    const missing = await server.request('GET', '/v1/nothing-here', { headers: { origin: SHOP } });
    assertError(missing, 404);
    assert.equal(missing.headers['access-control-allow-origin'], SHOP);
  });

  test('answers to the secret and the admin key never carry Access-Control-Allow-Origin', async () => {
    const secret = await expectStatus(server, 200, 'GET', '/v1/settings', {
      headers: { ...listed.asApp, origin: SHOP },
    });
    assert.equal(secret.headers['access-control-allow-origin'], undefined);
    assert.match(String(secret.headers.vary), /Origin/);
    const admin = await expectStatus(server, 200, 'GET', '/v1/apps', {
      headers: { 'x-hyper-admin': server.adminKey, origin: SHOP },
    });
    assert.equal(admin.headers['access-control-allow-origin'], undefined);
  });

  test('tenancy: one app’s domains never open another app', async () => {
    const other = await createTestApp(server, 'Other', ['other.example']);
    const res = await server.request('POST', '/v1/users', {
      headers: { ...other.asKey, origin: SHOP },
      body: { name: 'x' },
    });
    assertError(res, 403);
  });

  test('the socket is held to the same domains', async () => {
    const visitor = await createUser(server, listed);
    const refused = await open(server, listed, { token: visitor.token, extraHeaders: { origin: EVIL } });
    const closed = await refused.closed;
    assert.equal(closed.code, 4001);
    assert.match(closed.reason, /domains/);
    const allowed = await connect(server, listed, { token: visitor.token, extraHeaders: { origin: SHOP } });
    assert.equal(allowed.session.user.id, visitor.id);
    await allowed.close();
    const anywhere = await createUser(server, open_);
    const free = await connect(server, open_, { token: anywhere.token, extraHeaders: { origin: EVIL } });
    await free.close();
  });
});
