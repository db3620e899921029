import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';
import { chatWithAgent, connect, open } from './helpers/ws.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachStore('realtime: protocol hygiene', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
    await server.sb.listen();
  });
  after(() => server.close());

  it('bad credentials close with 4001 before any frame', async () => {
    const app = await createTestApp(server);
    const ann = await createUser(server, app);
    const expired = await createUser(server, app);
    await server.sb.store.db
      .updateTable('sessions')
      .set({ expires: 1 })
      .where('userId', '=', expired.id)
      .execute();
    const cases: Array<[string, { id: string }, Parameters<typeof open>[2]]> = [
      ['no credentials', { id: '' }, {}],
      ['an unknown app', { id: 'nope' }, { token: ann.token }],
      ['a wrong token', app, { token: 'tk_wrong' }],
      ['an expired session', app, { token: expired.token }],
      ['a wrong secret', app, { secret: 'wrong' }],
      ['the app id alone', app, {}],
      ['a domain key', app, { extraHeaders: { 'x-hyper-appid': app.id, 'x-hyper-key': app.domainKey } }],
      ['a token of another app', await createTestApp(server), { token: ann.token }],
      ['a wrong token in headers', app, { token: 'tk_wrong', headers: true }],
    ];
    for (const [what, target, options] of cases) {
      const client = await open(server, target, options);
      const closed = await client.closed;
      assert.equal(closed.code, 4001, `${what}: ${JSON.stringify(closed)}`);
      assert.ok(closed.reason.length > 0, `${what}: a reason is given`);
      assert.deepEqual(client.received, [], `${what}: no frame at all`);
    }
    // The right token in headers opens a session.
    const ok = await connect(server, app, { token: ann.token, headers: true });
    assert.equal(ok.session.user.id, ann.id);
    await ok.close();
  });

  it('a plain HTTP request to /v1/ws is told to upgrade', async () => {
    const res = await server.request('GET', '/v1/ws');
    assertError(res, 426, /WebSocket/);
    assert.equal(res.headers.upgrade, 'websocket');
  });

  it('malformed frames, unknown events and bad data get error acks; the connection stays up', async () => {
    const app = await createTestApp(server);
    const { user: ann, chatId } = await chatWithAgent(server, app);
    const ws = await connect(server, app, { token: ann.token });

    ws.send('this is not json');
    await ws.ackError(null, 400, /not valid JSON/);
    ws.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await ws.ackError(null, 400, /JSON text/);
    ws.send('[1,2]');
    await ws.ackError(null, 400, /JSON object/);
    ws.send({ event: 'chats:get', data: { chatId } });
    const noId = await ws.ackError(null, 400, /id/);
    assert.deepEqual(noId.details, [{ field: 'id', message: 'must be a number or a non-empty string' }]);
    ws.send({ id: 'a', data: {} });
    await ws.ackError('a', 400, /event must be a string/);
    ws.send({ id: 2, event: 'chats:explode', data: {} });
    const unknown = await ws.ackError(2, 400, /Unknown event chats:explode/);
    assert.equal(unknown.details[0].field, 'event');
    ws.send({ id: 3, event: 'messages:new', data: { chatId } });
    const missing = await ws.ackError(3, 400, /message/);
    assert.deepEqual(missing.details, [
      { field: 'message', message: "must have required property 'message'" },
    ]);
    ws.send({ id: 4, event: 'messages:new', data: { chatId, message: 5 } });
    const typed = await ws.ackError(4, 400);
    assert.equal(typed.details[0].field, 'message', 'no coercion: a number is not a string');
    ws.send({ id: 5, event: 'messages:new', data: 'hello' });
    await ws.ackError(5, 400, /data must be an object/);
    ws.send({ id: 6, event: 'chats:get', data: { chatId: 'bad id!' } });
    assert.equal((await ws.ackError(6, 400)).details[0].field, 'chatId');
    ws.send({ id: 7, event: 'messages:new', data: { chatId, message: 'a\u0000b' } });
    await ws.ackError(7, 400, /NUL/);
    await ws.expectQuiet(100);

    // Tolerance as in REST: unknown fields are dropped, null and "" mean absent.
    const id = ws.request('messages:new', { chatId, message: 'ok', clientId: null, extra: 'ignored' });
    const frame = await ws.event('messages:new');
    assert.equal(frame.message.message, 'ok');
    const answer = await ws.ack(id);
    assert.equal(answer.message.id, frame.message.id);
    const got = await ws.call('chats:get', { chatId, fields: 'users' });
    assert.equal(got.chat.id, chatId);
    assert.equal(got.chat.users.length, 2);
    assert.equal(typeof got.chat.users[0], 'object');
    await ws.close();
  });

  it('ping is answered with an empty ack and changes nothing', async () => {
    const app = await createTestApp(server);
    const { user: ann } = await chatWithAgent(server, app);
    const ws = await connect(server, app, { token: ann.token });
    const before = await eventsOf(server, app.id);
    assert.deepEqual(await ws.call('ping', {}), {});
    assert.deepEqual(await ws.call('ping'), {});
    assert.equal((await eventsOf(server, app.id)).length, before.length);
    await ws.expectQuiet(100);
    await ws.close();
  });

  it('forbidden actions get the same errors as REST', async () => {
    const app = await createTestApp(server);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const other = await chatWithAgent(server, app, ada);
    const bea = await createAgent(server, app);
    const annWs = await connect(server, app, { token: ann.token });
    const adaWs = await connect(server, app, { token: ada.token });

    const attempts: Array<[typeof annWs, string, Record<string, unknown>, number, string, string, unknown]> =
      [
        // client, event, data, status, REST method, REST url, REST body
        [
          annWs,
          'messages:new',
          { chatId: other.chatId, message: 'hi' },
          404,
          'POST',
          `/v1/chats/${other.chatId}/messages`,
          { message: 'hi' },
        ],
        [
          annWs,
          'agents:status',
          { status: 'online' },
          404,
          'PUT',
          `/v1/agents/${ann.id}`,
          { status: 'online' },
        ],
        [annWs, 'chats:join', { chatId }, 403, 'POST', `/v1/chats/${chatId}/join`, {}],
        [
          annWs,
          'messages:new',
          { chatId, message: 'x', sender: ada.id },
          403,
          'POST',
          `/v1/chats/${chatId}/messages`,
          { message: 'x', sender: ada.id },
        ],
        [annWs, 'invitations:accept', { chatId }, 403, 'POST', '/v1/invitations/accept', { chatId }],
        [annWs, 'chats:create', {}, 409, 'POST', '/v1/chats', {}],
        [adaWs, 'chats:create', {}, 403, 'POST', '/v1/chats', {}],
        [
          adaWs,
          'agents:status',
          { status: 'away', agentId: bea.id },
          403,
          'PUT',
          `/v1/agents/${bea.id}`,
          { status: 'away' },
        ],
        [
          adaWs,
          'history:import',
          { chatId, history: [] },
          403,
          'POST',
          `/v1/chats/${chatId}/history`,
          { history: [] },
        ],
      ];
    let id = 0;
    for (const [client, event, data, status, method, url, body] of attempts) {
      const token = client === annWs ? ann.token : ada.token;
      const rest = await server.request(method, url, { headers: app.as(token), body });
      assertError(rest, status);
      client.send({ id: ++id, event, data });
      const error = await client.ackError(id, status);
      assert.equal(error.message, rest.body.error.message, `${event}: the same answer as ${method} ${url}`);
    }
    // A forbidden action changes nothing and leaves the socket usable.
    await Promise.all([annWs.expectQuiet(100), adaWs.expectQuiet(100)]);
    const status = adaWs.request('agents:status', { status: 'away' });
    // Her change is an event too (docs/reports.md, "Agent status"), published before the answer.
    assert.equal((await adaWs.event('agents:status')).status, 'away');
    assert.equal((await adaWs.ack(status)).agent.status, 'away');
    await Promise.all([annWs.close(), adaWs.close()]);
  });

  it('a revoked session is refused at its next request (4001)', async () => {
    const app = await createTestApp(server);
    const ann = await createUser(server, app);
    const ws = await connect(server, app, { token: ann.token });
    assert.equal((await ws.call('users:chats', {})).chats.length, 0);
    await server.sb.store.db.deleteFrom('sessions').where('userId', '=', ann.id).execute();
    const id = ws.request('users:chats', {});
    await ws.ackError(id, 401);
    assert.equal((await ws.closed).code, 4001);
  });

  it('frames over 64 KB close the socket with 1009', async () => {
    const app = await createTestApp(server);
    const ann = await createUser(server, app);
    const ws = await connect(server, app, { token: ann.token });
    // Just under the limit is a frame like any other (here: an invalid request, answered).
    ws.send({ id: 1, event: 'users:chats', data: { cursor: 'x'.repeat(60_000) } });
    await ws.ackError(1, 400);
    ws.send({ id: 2, event: 'users:chats', data: { pad: 'x'.repeat(70 * 1024) } });
    assert.equal((await ws.closed).code, 1009);
    assert.equal(ws.received.filter((f) => f.ack === 2).length, 0);
  });

  it('agents hear chats:create and queues:update of their rooms only', async () => {
    const app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'One' },
          { id: 2, name: 'Two' },
        ],
        queue: { active: true },
      },
    });
    const ada = await createAgent(server, app, { rooms: [1], maxChats: 1 });
    const bea = await createAgent(server, app, { rooms: [2] });
    await chatWithAgent(server, app, ada); // Ada is now full
    const adaWs = await connect(server, app, { token: ada.token });
    const beaWs = await connect(server, app, { token: bea.token });
    const ann = await createUser(server, app);
    const annWs = await connect(server, app, { token: ann.token });
    const create = annWs.request('chats:create', { room: 1 });
    const created = await annWs.event('chats:create');
    const position = await annWs.event('queues:update');
    assert.deepEqual(position, { chatId: created.chat.id, userId: ann.id, data: { queuePosition: 0 } });
    assert.equal((await annWs.ack(create)).chat.queuePosition, 0);
    assert.deepEqual(await adaWs.event('chats:create'), created);
    assert.deepEqual(await adaWs.event('queues:update'), position);
    await Promise.all([adaWs.expectQuiet(), beaWs.expectQuiet(), annWs.expectQuiet()]);
    assert.deepEqual(
      beaWs.received.map((f) => f.event),
      ['session'],
    );
    await Promise.all([adaWs.close(), beaWs.close(), annWs.close()]);
  });
});

describeEachStore('realtime: limits', (kind) => {
  let server: TestServer;
  let app: TestApp;
  before(async () => {
    server = await startServer(
      kind,
      {},
      { realtime: { rateLimit: { burst: 5, perSecond: 2 }, heartbeatMs: 150 } },
    );
    await server.sb.listen();
    app = await createTestApp(server);
  });
  after(() => server.close());

  it('a connection over its rate limit is closed with 4008', async () => {
    const ann = await createUser(server, app);
    const ws = await connect(server, app, { token: ann.token });
    for (let i = 1; i <= 5; i++) ws.request('users:chats', {});
    for (let i = 1; i <= 5; i++) assert.deepEqual(await ws.ack(i), { chats: [], next: null });
    await sleep(600); // one more token
    assert.deepEqual(await ws.call('users:chats', {}), { chats: [], next: null });
    for (let i = 0; i < 3; i++) ws.request('users:chats', {});
    const closed = await ws.closed;
    assert.equal(closed.code, 4008);
    assert.match(closed.reason, /Rate limit/);
  });

  it('a socket that misses two pongs is dropped; one that answers stays', async () => {
    const ann = await createUser(server, app);
    const deaf = await connect(server, app, { token: ann.token, autoPong: false });
    const alive = await connect(server, app, { token: ann.token });
    const closed = await deaf.closed;
    assert.equal(closed.code, 1006, 'terminated, without a close handshake');
    assert.ok(deaf.pings >= 2, `pinged ${deaf.pings} times first`);
    await sleep(500);
    assert.equal(alive.isClosed, false);
    await alive.close();
  });
});
