import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, describe, it, mock } from 'node:test';
import { WebSocket } from 'ws';
import { nowSeconds } from '../src/util/time.ts';
import { assertError, createTestApp, expectStatus, type TestApp } from './helpers/fixtures.ts';
import {
  describeEachStore,
  type Response,
  startServer,
  storeKinds,
  type TestServer,
  waitFor,
} from './helpers/harness.ts';
import { wsUrl } from './helpers/ws.ts';

/** Throttling (docs/security.md): failed logins per contact and per address, wrong credentials per address. */
describeEachStore('throttle', (kind) => {
  let server: TestServer;
  // The throttle's clock: tests move it forward to let a window pass.
  let offset = 0;
  const clock = () => nowSeconds() + offset;
  let shop: TestApp;
  let other: TestApp;
  const PASSWORD = 'pw-right-one';
  let address = 0;
  /** A fresh client address for each scenario, so their counts do not mix. */
  const newAddress = () => `203.0.113.${++address}`;

  before(async () => {
    server = await startServer(kind, {}, { throttle: { now: clock } });
    shop = await createTestApp(server, 'Shop');
    other = await createTestApp(server, 'Other');
  });
  after(() => server.close());

  async function addAgent(app: TestApp, contact: string): Promise<void> {
    await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'Agent', contact, password: PASSWORD, rooms: [1] },
    });
  }

  const login = (app: TestApp, contact: string, password: string, from: string) =>
    server.request('POST', '/v1/agents/login', {
      headers: app.asKey,
      body: { contact, password },
      remoteAddress: from,
    });

  /** A 429 in the error envelope with a Retry-After of 1…`max` seconds. */
  function assertThrottled(res: Response, max: number): number {
    assertError(res, 429, /too many/i);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= max,
      `Retry-After ${retryAfter}`,
    );
    return retryAfter;
  }

  it('the 11th try for one contact is refused with 429, even with the right password; others still log in', async () => {
    const from = newAddress();
    await addAgent(shop, 'ann@shop.example');
    await addAgent(shop, 'bob@shop.example');
    await addAgent(other, 'ann@shop.example');
    for (let i = 0; i < 10; i++) assertError(await login(shop, 'ann@shop.example', 'wrong', from), 401);
    assertThrottled(await login(shop, 'ann@shop.example', PASSWORD, from), 15 * 60);
    // From another address too: the contact itself is held.
    assertThrottled(await login(shop, 'ann@shop.example', PASSWORD, newAddress()), 15 * 60);
    // Another contact of the app, and the same contact of another app, are not.
    assert.equal((await login(shop, 'bob@shop.example', PASSWORD, from)).status, 200);
    assert.equal((await login(other, 'ann@shop.example', PASSWORD, from)).status, 200);
  });

  it('an unknown contact is held the same way (a 429 does not tell which contacts exist)', async () => {
    const from = newAddress();
    for (let i = 0; i < 10; i++) assertError(await login(shop, 'nobody@shop.example', 'wrong', from), 401);
    assertThrottled(await login(shop, 'nobody@shop.example', 'wrong', from), 15 * 60);
  });

  it('the 51st failed login from one address is refused across contacts; another address is fine', async () => {
    const from = newAddress();
    await addAgent(shop, 'cat@shop.example');
    for (let i = 0; i < 50; i++)
      assertError(await login(shop, `guess-${i}@shop.example`, 'wrong', from), 401);
    assertThrottled(await login(shop, 'cat@shop.example', PASSWORD, from), 15 * 60);
    assertThrottled(await login(other, 'someone@other.example', 'wrong', from), 15 * 60);
    assert.equal((await login(shop, 'cat@shop.example', PASSWORD, newAddress())).status, 200);
  });

  it('successful logins do not free an address: only failures count, and none is taken back', async () => {
    const from = newAddress();
    await addAgent(shop, 'dan@shop.example');
    for (let i = 0; i < 49; i++) {
      assertError(await login(shop, `dan-guess-${i}@shop.example`, 'wrong', from), 401);
      // Interleaved right logins (an attacker's own account) change nothing.
      if (i % 10 === 0) assert.equal((await login(shop, 'dan@shop.example', PASSWORD, from)).status, 200);
    }
    assertError(await login(shop, 'dan-guess-last@shop.example', 'wrong', from), 401);
    assertThrottled(await login(shop, 'dan@shop.example', PASSWORD, from), 15 * 60);
  });

  it('101 wrong secrets from one address within a minute: 429 for any credential from it, others fine', async () => {
    const from = newAddress();
    const wrong = { 'x-hyper-appid': shop.id, 'x-hyper-secret': 'sk_wrong' };
    for (let i = 0; i < 100; i++) {
      assertError(await server.request('GET', '/v1/chats', { headers: wrong, remoteAddress: from }), 401);
    }
    assertThrottled(await server.request('GET', '/v1/chats', { headers: wrong, remoteAddress: from }), 60);
    assertThrottled(
      await server.request('GET', '/v1/chats', { headers: shop.asApp, remoteAddress: from }),
      60,
    );
    // Another address with the right secret is served.
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: shop.asApp, remoteAddress: newAddress() });
    // Open routes are not held.
    await expectStatus(server, 200, 'GET', '/v1/health', { remoteAddress: from });
  });

  it('wrong domain keys, tokens and admin keys count together; socket handshakes count and are refused with HTTP 429', async () => {
    // Sockets come from the loopback address, so this scenario is held on it.
    const from = '127.0.0.1';
    const tries: Record<string, string>[] = [
      { 'x-hyper-appid': shop.id, 'x-hyper-key': 'dk_wrong' },
      { 'x-hyper-appid': shop.id, 'x-hyper-token': 'tk_wrong' },
      { 'x-hyper-admin': 'adm_wrong' },
    ];
    for (let i = 0; i < 99; i++) {
      const res = await server.request('GET', '/v1/chats', { headers: tries[i % 3]!, remoteAddress: from });
      assertError(res, 401);
    }
    // The 100th failure is a socket handshake with a wrong token (closed with 4001)…
    const url = await wsUrl(server);
    const refusedWith = await handshake(`${url}?appId=${shop.id}&token=tk_wrong`);
    assert.equal(refusedWith, 'closed 4001');
    // …and now the address is held: REST and both socket upgrades answer 429 before any upgrade.
    assertThrottled(
      await server.request('GET', '/v1/chats', { headers: shop.asApp, remoteAddress: from }),
      60,
    );
    assert.equal(await handshake(`${url}?appId=${shop.id}&secret=${shop.secret}`), 'HTTP 429');
    const stream = url.replace('/v1/ws', '/v1/stream');
    assert.equal(
      await handshake(stream, { 'x-hyper-appid': shop.id, 'x-hyper-secret': shop.secret }),
      'HTTP 429',
    );
    // Let the minute pass: the other scenarios set up from the loopback address too.
    offset += 61;
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: shop.asApp, remoteAddress: from });
  });

  it('counters survive a restart', async () => {
    const from = newAddress();
    await addAgent(shop, 'eve@shop.example');
    for (let i = 0; i < 10; i++) assertError(await login(shop, 'eve@shop.example', 'wrong', from), 401);
    const wrong = { 'x-hyper-appid': shop.id, 'x-hyper-secret': 'sk_wrong' };
    const held = newAddress();
    for (let i = 0; i < 100; i++) {
      assertError(await server.request('GET', '/v1/chats', { headers: wrong, remoteAddress: held }), 401);
    }
    await server.restart();
    assertThrottled(await login(shop, 'eve@shop.example', PASSWORD, from), 15 * 60);
    assertThrottled(
      await server.request('GET', '/v1/chats', { headers: shop.asApp, remoteAddress: held }),
      60,
    );
  });

  it('the window passing lets tries in again', async () => {
    const from = newAddress();
    await addAgent(shop, 'fay@shop.example');
    for (let i = 0; i < 10; i++) assertError(await login(shop, 'fay@shop.example', 'wrong', from), 401);
    const wrong = { 'x-hyper-appid': shop.id, 'x-hyper-secret': 'sk_wrong' };
    for (let i = 0; i < 100; i++) {
      assertError(await server.request('GET', '/v1/chats', { headers: wrong, remoteAddress: from }), 401);
    }
    const retryAfter = assertThrottled(
      await server.request('GET', '/v1/chats', { headers: shop.asApp, remoteAddress: from }),
      60,
    );
    assertThrottled(await login(shop, 'fay@shop.example', PASSWORD, from), 15 * 60);
    offset += retryAfter;
    // The minute of wrong credentials has passed; the contact's 15 minutes have not.
    await expectStatus(server, 200, 'GET', '/v1/chats', { headers: shop.asApp, remoteAddress: from });
    assertThrottled(await login(shop, 'fay@shop.example', PASSWORD, from), 15 * 60);
    offset += 15 * 60;
    assert.equal((await login(shop, 'fay@shop.example', PASSWORD, from)).status, 200);
  });

  it('an unknown contact and a known contact with a wrong password both run the password hash', async () => {
    await addAgent(shop, 'gil@shop.example');
    const scrypt = mock.method(crypto, 'scrypt');
    syncBuiltinESMExports();
    try {
      assertError(await login(shop, 'gil@shop.example', 'wrong', newAddress()), 401);
      const known = scrypt.mock.callCount();
      assertError(await login(shop, 'nobody-at-all@shop.example', 'wrong', newAddress()), 401);
      const unknown = scrypt.mock.callCount() - known;
      assert.equal(known, 1, 'a known contact: one hash');
      assert.equal(unknown, 1, 'an unknown contact: one hash too');
    } finally {
      scrypt.mock.restore();
      syncBuiltinESMExports();
    }
  });
});

/** How an upgrade ends: `HTTP <status>` when refused before it, `closed <code>` when closed after. */
function handshake(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_request, response) => {
      resolve(`HTTP ${response.statusCode}`);
      response.resume();
      ws.terminate();
    });
    ws.once('close', (code) => resolve(`closed ${code}`));
    ws.once('error', (error) => {
      if (!String(error).includes('Unexpected server response')) reject(error);
    });
  });
}

/** Two nodes on one PostgreSQL schema count together (docs/security.md, "Where the counters live"). */
if (storeKinds().includes('postgres')) {
  describe('throttle across nodes [postgres]', () => {
    let a: TestServer;
    let b: TestServer;
    let app: TestApp;
    before(async () => {
      a = await startServer('postgres');
      b = await startServer('postgres', {}, { schema: a.schema });
      app = await createTestApp(a, 'Shop');
      await expectStatus(a, 201, 'POST', '/v1/agents', {
        headers: app.asApp,
        body: { name: 'Agent', contact: 'ann@shop.example', password: 'pw-right-one', rooms: [1] },
      });
    });
    after(async () => {
      await b.close();
      await a.close();
    });

    it('a contact held on one node is held on the other at once', async () => {
      const body = (password: string) => ({ contact: 'ann@shop.example', password });
      for (let i = 0; i < 10; i++) {
        const node = i % 2 === 0 ? a : b;
        assertError(
          await node.request('POST', '/v1/agents/login', { headers: app.asKey, body: body('wrong') }),
          401,
        );
      }
      const res = await b.request('POST', '/v1/agents/login', {
        headers: app.asKey,
        body: body('pw-right-one'),
      });
      assertError(res, 429);
      assert.ok(Number(res.headers['retry-after']) > 0);
    });

    it('an address held on one node is held on the other within a second', async () => {
      const from = '198.51.100.7';
      const wrong = { 'x-hyper-appid': app.id, 'x-hyper-secret': 'sk_wrong' };
      for (let i = 0; i < 100; i++) {
        assertError(await a.request('GET', '/v1/chats', { headers: wrong, remoteAddress: from }), 401);
      }
      await waitFor(
        async () =>
          (await b.request('GET', '/v1/chats', { headers: app.asApp, remoteAddress: from })).status === 429,
        5000,
        'the other node to refuse the address',
      );
      await expectStatus(b, 200, 'GET', '/v1/chats', { headers: app.asApp, remoteAddress: '198.51.100.8' });
    });
  });
}
