import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertUnchanged, snapshotApp } from './helpers/dataset.ts';
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
import {
  describeEachStore,
  type Json,
  type Response,
  startServer,
  type TestServer,
  waitFor,
} from './helpers/harness.ts';
import { startReceiver } from './helpers/receiver.ts';
import { registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';
import { connect } from './helpers/ws.ts';

/**
 * Regressions of the black-box attack (issue 11): numbers out of range, forged history senders and
 * unbounded lists. Each reproduction answers a 4xx, changes nothing, and every read still answers.
 */

const isDisconnect = (e: { trigger: string; data: Json }) =>
  e.trigger === 'users:activity' && e.data.type === 'disconnected';

/** Every read that shows a chat's history, its queue or its settings. */
async function assertReadsAnswer(
  server: TestServer,
  app: TestApp,
  chatId: string,
  user: Person,
): Promise<void> {
  for (const headers of [app.asApp, app.as(user.token)]) {
    await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}?fields=history,users`, { headers });
    await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}/history`, { headers });
    const csv = await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}/history?format=csv`, { headers });
    assert.doesNotMatch(csv.text, /Infinity|NaN|e\+/);
  }
  await expectStatus(server, 200, 'GET', '/v1/queues/status', { headers: app.asApp });
  await expectStatus(server, 200, 'GET', '/v1/settings', { headers: app.asApp });
  await expectStatus(server, 200, 'GET', '/v1/agents/available', { headers: app.asApp });
}

describeEachStore('hardening: numbers out of range', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let user: Person;
  let chatId: string;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    user = await createUser(server, app);
    chatId = (await createChat(server, app, user)).id;
  });
  after(() => server.close());

  it('refuses history times past year 9999 or past 2^53, from the user and the app, as text too', async () => {
    const before = await snapshotApp(server, app.id);
    // 1e999 is parsed by JSON as Infinity; the body goes as text so it reaches the server unchanged.
    for (const created of ['9007199254740992', '1e999', '1e308', '253402300800', '-1', '1.5']) {
      const body = `{"history":[{"sender":"assistant","message":"x","created":${created}}]}`;
      for (const headers of [app.as(user.token), app.asApp]) {
        const res = await server.request('POST', `/v1/chats/${chatId}/history`, {
          headers: { ...headers, 'content-type': 'application/json' },
          body,
        });
        assertError(res, 400, /history\.0\.created/);
        assert.equal(res.body.error.details[0].field, 'history.0.created');
      }
    }
    // The last second of year 9999 is fine.
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/history`, {
      headers: app.as(user.token),
      body: { history: [{ sender: 'assistant', message: 'late', created: 253402300799 }] },
    });
    const after = await snapshotApp(server, app.id);
    assert.equal(after.counts.historyEntries, (before.counts.historyEntries ?? 0) + 1);
    await assertReadsAnswer(server, app, chatId, user);
  });

  it('refuses the same over the realtime chats:create and history:import, and chats:get still answers', async () => {
    const client = await connect(server, app, { token: user.token });
    try {
      const id = client.request('history:import', {
        chatId,
        history: [{ sender: 'assistant', message: 'x', created: 9007199254740992 }],
      });
      await client.ackError(id, 400, /created/);
      client.send(
        `{"id":"big","event":"history:import","data":{"chatId":"${chatId}","history":[{"sender":"assistant","message":"x","created":1e999}]}}`,
      );
      await client.ackError('big', 400, /created/);
      const got = await client.call('chats:get', { chatId, fields: 'history' });
      assert.ok(Array.isArray(got.chat.history));
    } finally {
      await client.close();
    }
    // The user's disconnection is written after the close; let it land before the next test looks.
    await waitFor(async () => (await eventsOf(server, app.id)).some(isDisconnect), 5000, 'the disconnection');
  });

  it('refuses room ids beyond 32 bits in settings, and queue status keeps answering', async () => {
    const before = await snapshotApp(server, app.id);
    for (const id of ['1e308', '9007199254740993', '2147483648', '1e999']) {
      const res = await server.request('PUT', '/v1/settings', {
        headers: { ...app.asApp, 'content-type': 'application/json' },
        body: `{"rooms":[{"id":${id},"name":"H"}]}`,
      });
      assertError(res, 400, /rooms\.0\.id/);
    }
    await assertUnchanged(server, app.id, before);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2147483647, name: 'Top' },
        ],
      },
    });
    await assertReadsAnswer(server, app, chatId, user);
  });

  it('refuses out-of-range numbers in queries and bodies with a 400, never a 500', async () => {
    const agent = await createAgent(server, app);
    const cases: Array<[string, string, string | undefined, string]> = [
      ['GET', '/v1/chats?room=1e999', undefined, 'room'],
      ['GET', '/v1/chats?room=2147483648', undefined, 'room'],
      ['GET', `/v1/chats/${chatId}/messages?after=99999999999999999999`, undefined, 'after'],
      ['GET', `/v1/chats/${chatId}/messages?after=2147483648`, undefined, 'after'],
      ['GET', `/v1/chats/${chatId}/messages?cursor=99999999999`, undefined, 'cursor'],
      ['GET', `/v1/chats/${chatId}/messages?cursor=9999999999`, undefined, 'cursor'],
      ['GET', '/v1/agents/available?roomIds=99999999999999999999', undefined, 'roomIds'],
      ['GET', '/v1/agents/online?roomId=1e999', undefined, 'roomId'],
      ['GET', '/v1/users?limit=1e999', undefined, 'limit'],
      ['PUT', `/v1/chats/${chatId}`, '{"room":1e308}', 'room'],
      ['PUT', `/v1/chats/${chatId}`, '{"priority":9007199254740993}', 'priority'],
      ['PUT', `/v1/agents/${agent.id}`, '{"maxChats":1e999}', 'maxChats'],
      ['PUT', `/v1/agents/${agent.id}`, '{"rooms":[4294967296]}', 'rooms.0'],
      ['POST', `/v1/chats/${chatId}/assign?interval=1e308`, undefined, 'interval'],
      ['POST', `/v1/chats/${chatId}/assign?maxAttempts=99999999999`, undefined, 'maxAttempts'],
    ];
    const before = await snapshotApp(server, app.id);
    for (const [method, url, body, field] of cases) {
      const res = await server.request(method, url, {
        headers: { ...app.asApp, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      });
      assertError(res, 400);
      assert.ok(
        res.body.error.details?.some((d: Json) => d.field === field),
        `${method} ${url}: ${res.text}`,
      );
    }
    await assertUnchanged(server, app.id, before);
  });
});

describeEachStore('hardening: recover {since} in range', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
    app = await createTestApp(server);
    receiver = await startReceiver();
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it('refuses a since past year 9999 with a 400', async () => {
    const hook = await registerWebhook(server, app, `http://127.0.0.1:${receiver.port}/`, ['messages:new']);
    for (const since of ['1e308', '99999999999999999999', '1e999']) {
      const res = await server.request('POST', `/v1/webhooks/${hook.id}/recover`, {
        headers: { ...app.asApp, 'content-type': 'application/json' },
        body: `{"since":${since}}`,
      });
      assertError(res, 400, /since/);
    }
    const ok = await expectStatus(server, 202, 'POST', `/v1/webhooks/${hook.id}/recover`, {
      headers: app.asApp,
      body: { since: 0 },
    });
    assert.equal(ok.body.queued, 0);
  });
});

describeEachStore('hardening: who a history line may name', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  let user: Person;
  let bystander: Person;
  let agent: Person;
  let chatId: string;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server);
    other = await createTestApp(server, 'Other');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    user = await createUser(server, app);
    bystander = await createUser(server, app, { name: 'Bystander' });
    agent = await createAgent(server, app);
    chatId = (await createChat(server, app, user)).id;
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.as(agent.token),
      body: {},
    });
  });
  after(() => server.close());

  const line = (sender: string) => ({
    history: [{ sender, message: 'Refund approved', created: 1700000000 }],
  });

  it('an end user may speak only as themselves or the assistant', async () => {
    const stranger = await createUser(server, other);
    const before = await snapshotApp(server, app.id);
    for (const sender of [agent.id, bystander.id, stranger.id, 'system', 'anything-at-all']) {
      const res = await server.request('POST', `/v1/chats/${chatId}/history`, {
        headers: app.as(user.token),
        body: line(sender),
      });
      assertError(res, 403, /history\.0\.sender/);
    }
    await assertUnchanged(server, app.id, before);
    for (const sender of [user.id, 'assistant']) {
      await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/history`, {
        headers: app.as(user.token),
        body: line(sender),
      });
    }
  });

  it('the app may name the participants, the assistant and system, nobody else', async () => {
    const stranger = await createUser(server, other);
    const before = await snapshotApp(server, app.id);
    for (const sender of [bystander.id, stranger.id, 'anything-at-all']) {
      const res = await server.request('POST', `/v1/chats/${chatId}/history`, {
        headers: app.asApp,
        body: line(sender),
      });
      assertError(res, 400, /history\.0\.sender/);
    }
    await assertUnchanged(server, app.id, before);
    for (const sender of [user.id, agent.id, 'assistant', 'system']) {
      await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/history`, {
        headers: app.asApp,
        body: line(sender),
      });
    }
  });

  it('history sent with a new chat follows the same rule', async () => {
    const fresh = await createUser(server, app, { name: 'Fresh' });
    const res = await server.request('POST', '/v1/chats', {
      headers: app.as(fresh.token),
      body: line(agent.id),
    });
    assertError(res, 403, /history\.0\.sender/);
    const asApp = await server.request('POST', '/v1/chats', {
      headers: app.asApp,
      body: { creator: fresh.id, ...line(agent.id) },
    });
    assertError(asApp, 400, /history\.0\.sender/);
    const listed = await expectStatus(server, 200, 'GET', `/v1/chats?userId=${fresh.id}`, {
      headers: app.asApp,
    });
    assert.equal(listed.body.chats.length, 0, 'no chat was opened');
    await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.as(fresh.token),
      body: line(fresh.id),
    });
  });
});

describeEachStore('hardening: bounded lists and per-app caps', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    server = await startServer(kind, {
      ...WEBHOOK_ENV,
      SWITCHBOARD_MAX_WEBHOOKS: '3',
      SWITCHBOARD_MAX_AGENTS: '3',
      SWITCHBOARD_MAX_APPS: '4',
    });
    app = await createTestApp(server);
    receiver = await startReceiver();
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  /** Walks a list route page by page; returns every id and the number of pages. */
  async function walk(
    url: string,
    key: string,
    headers: Record<string, string>,
  ): Promise<[string[], number]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const res: Response<Json> = await expectStatus(
        server,
        200,
        'GET',
        `${url}${sep}limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        {
          headers,
        },
      );
      assert.ok(res.body[key].length <= 2, `${url} honours limit`);
      ids.push(...res.body[key].map((x: Json) => x.id as string));
      cursor = res.body.next;
      pages++;
    } while (cursor !== null && pages < 20);
    return [ids, pages];
  }

  it('webhooks: paginated, and a fourth is a 409 that names the cap (before any handshake)', async () => {
    const target = `http://127.0.0.1:${receiver.port}/`;
    for (let i = 0; i < 3; i++) await registerWebhook(server, app, target, ['messages:new']);
    const handshakes = receiver.handshakes().length;
    const res = await server.request('POST', '/v1/webhooks', {
      headers: app.asApp,
      body: { target, events: ['messages:new'] },
    });
    assertError(res, 409, /at most 3 webhooks/);
    assert.equal(receiver.handshakes().length, handshakes, 'a full app dials nobody');
    const [ids, pages] = await walk('/v1/webhooks', 'webhooks', app.asApp);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
    assert.equal(pages, 2);
    const all = await expectStatus(server, 200, 'GET', '/v1/webhooks', { headers: app.asApp });
    assert.equal(all.body.next, null);
  });

  it('agents: paginated, and a fourth is a 409 (also when created at once)', async () => {
    const made = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        server.request('POST', '/v1/agents', {
          headers: app.asApp,
          body: { name: `A${n}`, contact: `cap${n}@example.com`, password: 'pw-123456', rooms: [1] },
        }),
      ),
    );
    assert.deepEqual(made.map((r) => r.status).sort(), [201, 201, 201, 409, 409]);
    for (const res of made.filter((r) => r.status === 409)) assertError(res, 409, /at most 3 agents/);
    const [ids] = await walk('/v1/agents', 'agents', app.asApp);
    assert.equal(ids.length, 3);
  });

  it('apps: paginated for the operator, capped per instance', async () => {
    const admin = { 'x-hyper-admin': server.adminKey };
    await createTestApp(server, 'Two');
    await createTestApp(server, 'Three');
    // The test harness's first start made the Demo app, so four exist now.
    const res = await server.request('POST', '/v1/apps', { headers: admin, body: { name: 'Five' } });
    assertError(res, 409, /at most 4 apps/);
    const [ids] = await walk('/v1/apps', 'apps', admin);
    assert.equal(ids.length, 4);
    assert.ok(ids.includes(app.id));
  });

  it('tickets page by cursor; media, tickets and invitations refuse bad limits and cursors', async () => {
    for (let i = 0; i < 3; i++) {
      const user = await createUser(server, app, { name: `Closer ${i}` });
      const chat = await createChat(server, app, user);
      await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    }
    const [ids, pages] = await walk('/v1/tickets', 'tickets', app.asApp);
    assert.equal(new Set(ids).size, 3);
    assert.equal(pages, 2);
    for (const path of ['/v1/media', '/v1/tickets', '/v1/invitations']) {
      const res = await expectStatus(server, 200, 'GET', `${path}?limit=1`, { headers: app.asApp });
      assert.ok('next' in res.body, `${path} answers next`);
      assertError(await server.request('GET', `${path}?limit=201`, { headers: app.asApp }), 400);
      assertError(await server.request('GET', `${path}?cursor=%2F%2F`, { headers: app.asApp }), 400);
    }
  });
});
