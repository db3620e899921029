import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { TRIGGERS } from '../src/events/catalog.ts';
import {
  assertError,
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { okHandler, type Receiver, reply, startReceiver, withHandshake } from './helpers/receiver.ts';
import {
  assertSigned,
  deliveriesOf,
  deliveryDetail,
  hmacHex,
  registerWebhook,
  sleep,
  standardHeaders,
  WEBHOOK_ENV,
} from './helpers/webhooks.ts';

describeEachStore('webhooks: registration and the handshake', (kind) => {
  let server: TestServer;
  let app: TestApp;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
    app = await createTestApp(server);
  });
  after(async () => {
    await server.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('registers after the target echoes X-Hook-Secret, and returns a whsec_ secret once', async () => {
    const target = await receiver();
    const res = await expectStatus(server, 201, 'POST', '/v1/webhooks', {
      headers: app.asApp,
      body: { target: `${target.url}/hooks`, events: ['messages:new', 'chats:create', 'messages:new'] },
    });
    const { webhook, secret } = res.body;
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
    assert.deepEqual(Object.keys(webhook).sort(), ['active', 'created', 'events', 'id', 'target']);
    assert.equal(webhook.target, `${target.url}/hooks`);
    assert.deepEqual(webhook.events, ['messages:new', 'chats:create']);
    assert.equal(webhook.active, true);
    assert.ok(Math.abs(webhook.created - Date.now() / 1000) < 5);

    const [handshake] = target.handshakes();
    assert.ok(handshake, 'the target got the handshake');
    assert.equal(target.received.length, 1);
    assert.equal(handshake.method, 'POST');
    assert.equal(handshake.path, '/hooks');
    assert.equal(handshake.headers['x-hook-secret'], secret);
    assert.deepEqual(handshake.json, {});

    // The secret is never shown again.
    const got = await expectStatus(server, 200, 'GET', `/v1/webhooks/${webhook.id}`, { headers: app.asApp });
    assert.deepEqual(got.body.webhook, webhook);
    assert.ok(!got.text.includes(secret));
    const listed = await expectStatus(server, 200, 'GET', '/v1/webhooks', { headers: app.asApp });
    assert.deepEqual(
      listed.body.webhooks.map((w: Json) => w.id),
      [webhook.id],
    );
    assert.ok(!listed.text.includes(secret));
  });

  async function refused(target: string, message: RegExp, events = ['messages:new']): Promise<void> {
    const before = (await expectStatus(server, 200, 'GET', '/v1/webhooks', { headers: app.asApp })).body
      .webhooks.length;
    const res = await server.request('POST', '/v1/webhooks', {
      headers: app.asApp,
      body: { target, events },
    });
    assertError(res, 400, message);
    const afterCount = (await expectStatus(server, 200, 'GET', '/v1/webhooks', { headers: app.asApp })).body
      .webhooks.length;
    assert.equal(afterCount, before, 'nothing was registered');
  }

  it('fails with 400 saying what came back: no echo, a wrong echo, non-2xx, timeout, no listener', async () => {
    const noEcho = await receiver((_req, res) => reply(res, 200));
    await refused(noEcho.url, /answered 200 without echoing the X-Hook-Secret header/);
    assert.equal(noEcho.handshakes().length, 1);

    const wrongEcho = await receiver((_req, res) => reply(res, 200, '{}', { 'x-hook-secret': 'whsec_nope' }));
    await refused(wrongEcho.url, /echoed a different X-Hook-Secret/);

    const failing = await receiver((req, res) =>
      reply(res, 500, 'database down', { 'x-hook-secret': String(req.headers['x-hook-secret']) }),
    );
    await refused(failing.url, /answered 500 \(database down\) instead of 2xx/);

    const redirecting = await receiver((_req, res) =>
      reply(res, 302, '', { location: 'http://127.0.0.1:1/' }),
    );
    await refused(redirecting.url, /answered 302/);

    const silent = await receiver(() => {
      /* never answers */
    });
    const started = Date.now();
    await refused(silent.url, /timed out after 2 s/);
    const took = Date.now() - started;
    assert.ok(took >= 1900 && took < 4000, `the handshake waited the 2 s timeout (${took} ms)`);

    const gone = await receiver();
    const url = gone.url;
    await gone.close();
    await refused(url, /ECONNREFUSED/);
  });

  it('refuses unknown triggers listing the allowed ones, and bad targets', async () => {
    const target = await receiver();
    const res = await server.request('POST', '/v1/webhooks', {
      headers: app.asApp,
      body: { target: target.url, events: ['messages:new', 'chats:explode'] },
    });
    assertError(res, 400, /Unknown trigger chats:explode/);
    for (const trigger of TRIGGERS) assert.ok(res.body.error.message.includes(trigger), trigger);
    assert.deepEqual(res.body.error.details[0].field, 'events.1');

    for (const events of [[], 'messages:new', [7]]) {
      const bad = await server.request('POST', '/v1/webhooks', {
        headers: app.asApp,
        body: { target: target.url, events },
      });
      assertError(bad, 400);
    }
    for (const bad of [
      'ftp://127.0.0.1/x',
      'not a url',
      '/relative/path',
      'http://user:pw@127.0.0.1/',
      'javascript:alert(1)',
    ]) {
      const r = await server.request('POST', '/v1/webhooks', {
        headers: app.asApp,
        body: { target: bad, events: ['messages:new'] },
      });
      assertError(r, 400, /target/);
    }
    const missing = await server.request('POST', '/v1/webhooks', {
      headers: app.asApp,
      body: { events: ['x'] },
    });
    assertError(missing, 400);
    assert.equal(target.received.length, 0, 'no handshake was attempted for an invalid registration');
  });

  it('PUT: a new target repeats the handshake with the same secret; a failing one changes nothing', async () => {
    const first = await receiver();
    const hook = await registerWebhook(server, app, first.url, ['messages:new']);
    const second = await receiver();
    const moved = await expectStatus(server, 200, 'PUT', `/v1/webhooks/${hook.id}`, {
      headers: app.asApp,
      body: { target: `${second.url}/new`, events: ['messages:new', 'messages:read'], rateLimit: 7 },
    });
    assert.equal(moved.body.webhook.target, `${second.url}/new`);
    assert.deepEqual(moved.body.webhook.events, ['messages:new', 'messages:read']);
    assert.equal(moved.body.webhook.rateLimit, 7);
    assert.equal(second.handshakes().length, 1);
    assert.equal(second.handshakes()[0]!.headers['x-hook-secret'], hook.secret);

    const broken = await receiver((_req, res) => reply(res, 404));
    const res = await server.request('PUT', `/v1/webhooks/${hook.id}`, {
      headers: app.asApp,
      body: { target: broken.url },
    });
    assertError(res, 400, /answered 404/);
    const still = await expectStatus(server, 200, 'GET', `/v1/webhooks/${hook.id}`, { headers: app.asApp });
    assert.equal(still.body.webhook.target, `${second.url}/new`);

    // Same target again: no new handshake. rateLimit 0 removes the limit.
    await expectStatus(server, 200, 'PUT', `/v1/webhooks/${hook.id}`, {
      headers: app.asApp,
      body: { target: `${second.url}/new`, rateLimit: 0 },
    });
    assert.equal(second.handshakes().length, 1);
    const plain = await expectStatus(server, 200, 'GET', `/v1/webhooks/${hook.id}`, { headers: app.asApp });
    assert.equal(plain.body.webhook.rateLimit, undefined);
    assertError(
      await server.request('PUT', `/v1/webhooks/${hook.id}`, {
        headers: app.asApp,
        body: { events: ['nope:nope'] },
      }),
      400,
      /Unknown trigger nope:nope/,
    );
  });

  it('DELETE removes the webhook and its log; nothing more is delivered to it', async () => {
    const target = await receiver();
    const hook = await registerWebhook(server, app, target.url, ['chats:create']);
    await expectStatus(server, 204, 'DELETE', `/v1/webhooks/${hook.id}`, { headers: app.asApp });
    assertError(await server.request('GET', `/v1/webhooks/${hook.id}`, { headers: app.asApp }), 404);
    assertError(await server.request('DELETE', `/v1/webhooks/${hook.id}`, { headers: app.asApp }), 404);
    const user = await createUser(server, app);
    await createChat(server, app, user);
    await sleep(1200);
    assert.equal(target.deliveries().length, 0);
  });

  it('rotate: both secrets sign for 24 h (new first), then only the new one', async () => {
    const target = await receiver();
    const fresh = await createTestApp(server, 'rotation');
    const hook = await registerWebhook(server, fresh, target.url, ['chats:create']);
    const rotated = await expectStatus(server, 200, 'POST', `/v1/webhooks/${hook.id}/rotate`, {
      headers: fresh.asApp,
    });
    const secret = rotated.body.secret as string;
    assert.match(secret, /^whsec_/);
    assert.notEqual(secret, hook.secret);

    await createChat(server, fresh, await createUser(server, fresh));
    const [delivery] = await waitFor(async () => target.deliveries().length > 0 && target.deliveries());
    assertSigned(delivery!, secret);
    assertSigned(delivery!, hook.secret);
    assert.deepEqual(String(delivery!.headers['x-hook-signature']).split(' '), [
      hmacHex(secret, delivery!.body),
      hmacHex(hook.secret, delivery!.body),
    ]);
    assert.equal(String(delivery!.headers['webhook-signature']).split(' ').length, 2);

    // The overlap ends: the old secret stops signing.
    await server.sb.store.db
      .updateTable('webhooks')
      .set({ previousSecretExpires: Date.now() - 1 })
      .where('id', '=', hook.id)
      .execute();
    await createChat(server, fresh, await createUser(server, fresh));
    const second = await waitFor(async () => target.deliveries()[1]);
    assert.equal(second.headers['x-hook-signature'], hmacHex(secret, second.body));
    assert.equal(String(second.headers['webhook-signature']).split(' ').length, 1);
    new Webhook(secret).verify(second.body, standardHeaders(second));
    assert.throws(() => new Webhook(hook.secret).verify(second.body, standardHeaders(second)));
  });

  it('keeps apps apart: another app’s secret gets 404 on every webhook route', async () => {
    const target = await receiver();
    const hook = await registerWebhook(server, app, target.url, ['chats:create']);
    await createChat(server, app, await createUser(server, app));
    const [delivery] = await waitFor(async () => {
      const list = await deliveriesOf(server, app, hook.id);
      return list.length > 0 && list;
    });
    const other = await createTestApp(server, 'other');
    const base = `/v1/webhooks/${hook.id}`;
    const cases: Array<[string, string, Json?]> = [
      ['GET', base],
      ['PUT', base, { active: false }],
      ['POST', `${base}/rotate`],
      ['GET', `${base}/deliveries`],
      ['GET', `${base}/deliveries/${delivery!.id}`],
      ['POST', `${base}/deliveries/${delivery!.id}/retry`],
      ['POST', `${base}/recover`, { since: 0 }],
      ['DELETE', base],
    ];
    for (const [method, url, body] of cases) {
      const res = await server.request(method, url, { headers: other.asApp, ...(body ? { body } : {}) });
      assertError(res, 404);
    }
    const listed = await expectStatus(server, 200, 'GET', '/v1/webhooks', { headers: other.asApp });
    assert.deepEqual(listed.body.webhooks, []);
    const still = await expectStatus(server, 200, 'GET', base, { headers: app.asApp });
    assert.equal(still.body.webhook.active, true, 'the other app changed nothing');
    // Only the app's secret may use these routes.
    const user = await createUser(server, app);
    assertError(await server.request('GET', '/v1/webhooks', { headers: app.as(user.token) }), 403);
    assertError(await server.request('GET', '/v1/webhooks', { headers: app.asKey }), 403);
    assertError(await server.request('GET', '/v1/webhooks'), 401);
  });
});

describeEachStore('webhooks: target address rules (no allowlist)', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let target: Receiver;
  let target6: Receiver | undefined;
  before(async () => {
    server = await startServer(kind, { SWITCHBOARD_WEBHOOK_TIMEOUT: '2' });
    app = await createTestApp(server);
    target = await startReceiver();
    target6 = await startReceiver(okHandler, '::1').catch(() => undefined);
  });
  after(async () => {
    await server.close();
    await target.close();
    await target6?.close();
  });

  it('refuses loopback, private, link-local, CGNAT, metadata and IPv4-mapped targets before connecting', async () => {
    const port = target.port;
    const port6 = target6?.port ?? port;
    const cases: Array<[string, RegExp]> = [
      [`http://127.0.0.1:${port}/`, /127\.0\.0\.1: a loopback address/],
      ['http://10.0.0.1/', /10\.0\.0\.1: a private address/],
      ['http://192.168.1.1/', /192\.168\.1\.1: a private address/],
      ['http://172.16.0.5/', /a private address/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254: a cloud metadata address/],
      ['http://100.64.0.1/', /100\.64\.0\.1: a carrier-grade NAT address/],
      ['http://224.0.0.1/', /a multicast address/],
      ['http://0.0.0.0/', /"this network" address/],
      [`http://[::1]:${port6}/`, /::1: a loopback address/],
      [
        `http://[::ffff:127.0.0.1]:${port}/`,
        /a loopback address \(IPv4 127\.0\.0\.1 inside an IPv6 address\)/,
      ],
      ['http://[fe80::1]/', /a link-local address/],
      ['http://[fd00:ec2::254]/', /a cloud metadata address/],
      [`http://localhost:${port}/`, /refused to connect to localhost: .*loopback/],
      // Other spellings of 127.0.0.1 are the same address.
      [`http://2130706433:${port}/`, /127\.0\.0\.1: a loopback address/],
      [`http://0x7f.1:${port}/`, /127\.0\.0\.1: a loopback address/],
    ];
    for (const [url, message] of cases) {
      const started = Date.now();
      const res = await server.request('POST', '/v1/webhooks', {
        headers: app.asApp,
        body: { target: url, events: ['messages:new'] },
      });
      assertError(res, 400, message);
      assert.match(res.body.error.message, /refused to connect/, url);
      // Refused at once, not after a connection attempt timed out.
      assert.ok(Date.now() - started < 1000, `${url} refused quickly`);
    }
    assert.equal(target.received.length, 0, 'the loopback receiver was never reached');
    assert.equal(target6?.received.length ?? 0, 0, 'the ::1 receiver was never reached');
  });
});

describeEachStore('webhooks: redirects and the allowlist', (kind) => {
  let server: TestServer;
  let app: TestApp;
  const receivers: Receiver[] = [];
  before(async () => {
    // Loopback IPv4 only: ::1 and everything else stay refused.
    server = await startServer(kind, WEBHOOK_ENV);
    app = await createTestApp(server);
  });
  after(async () => {
    await server.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('opens only the allowlisted range: 127.0.0.0/8 yes, [::1] and 10.0.0.1 still no', async () => {
    const target = await startReceiver();
    receivers.push(target);
    // localhost resolves to loopback addresses; the allowlisted 127.0.0.1 among them is the one dialled.
    await registerWebhook(server, app, `http://localhost:${target.port}/`, ['messages:new']);
    await registerWebhook(server, app, `http://127.0.0.1:${target.port}/`, ['messages:new']);
    assert.equal(target.handshakes().length, 2);
    for (const url of [`http://[::1]:${target.port}/`, 'http://10.0.0.1/']) {
      const res = await server.request('POST', '/v1/webhooks', {
        headers: app.asApp,
        body: { target: url, events: ['messages:new'] },
      });
      assertError(res, 400, /refused to connect/);
    }
  });

  it('never follows a redirect: a 3xx is a failed attempt, and the Location is not dialled', async () => {
    const elsewhere = await startReceiver();
    receivers.push(elsewhere);
    let answered = 0;
    const target = await startReceiver(
      withHandshake((_req, res) => {
        answered++;
        const location =
          answered === 1 ? 'http://169.254.169.254/latest/meta-data/' : `${elsewhere.url}/stolen`;
        reply(res, answered <= 2 ? 307 : 200, '', { location });
      }),
    );
    receivers.push(target);
    const fresh = await createTestApp(server, 'redirects');
    const hook = await registerWebhook(server, fresh, target.url, ['chats:create']);
    await createChat(server, fresh, await createUser(server, fresh));
    const [delivery] = await waitFor(async () => {
      const list = await deliveriesOf(server, fresh, hook.id, '?status=delivered');
      return list.length > 0 && list;
    }, 10000);
    const detail = await deliveryDetail(server, fresh, hook.id, delivery!.id);
    assert.deepEqual(
      detail.attempts.map((a: Json) => a.status),
      [307, 307, 200],
    );
    assert.match(
      detail.attempts[0].error,
      /redirects are not followed \(Location: http:\/\/169\.254\.169\.254/,
    );
    assert.equal(elsewhere.received.length, 0, 'the redirect target was never contacted');
    assert.equal(target.deliveries().length, 3);
  });
});
