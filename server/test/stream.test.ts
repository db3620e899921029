import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeCursor } from '../src/realtime/cursor.ts';
import {
  assertError,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { nextError, nextEvent, openStream, stream } from './helpers/stream.ts';
import { chatWithAgent } from './helpers/ws.ts';

/** The event stream GET /v1/stream (docs/stream.md): credentials, frames, filters, bad input, limits. */
describeEachStore('stream: protocol', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
    await server.sb.listen();
  });
  after(() => server.close());

  async function say(app: TestApp, who: Person, chatId: string, message: string): Promise<Json> {
    return (
      await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
        headers: app.as(who.token),
        body: { message },
      })
    ).body.message;
  }

  it('bad credentials close with 4001 before any frame; the secret in headers opens a session', async () => {
    const app = await createTestApp(server);
    const other = await createTestApp(server);
    const ann = await createUser(server, app);
    const cases: Array<[string, Parameters<typeof openStream>[2]]> = [
      ['no credentials', { headers: {} }],
      ['an unknown app', { headers: { 'x-hyper-appid': 'nope', 'x-hyper-secret': app.secret } }],
      ['a wrong secret', { headers: { 'x-hyper-appid': app.id, 'x-hyper-secret': 'whsec_wrong' } }],
      ['another app’s secret', { headers: { 'x-hyper-appid': app.id, 'x-hyper-secret': other.secret } }],
      ['the app id alone', { headers: { 'x-hyper-appid': app.id } }],
      ['a domain key', { headers: { 'x-hyper-appid': app.id, 'x-hyper-key': app.domainKey } }],
      ['a user token instead of the secret', { headers: app.as(ann.token) }],
      ['the admin key', { headers: { 'x-hyper-admin': server.adminKey } }],
      // Right credentials, but in the URL, where proxies and logs keep them: refused.
      ['the secret in the query', { headers: {}, query: { appId: app.id, secret: app.secret } }],
      ['the secret in the query beside the headers', { query: { secret: app.secret } }],
    ];
    for (const [what, options] of cases) {
      const client = await openStream(server, app, options);
      const closed = await client.closed;
      assert.equal(closed.code, 4001, `${what}: ${JSON.stringify(closed)}`);
      assert.ok(closed.reason.length > 0, `${what}: a reason is given`);
      assert.deepEqual(client.received, [], `${what}: no frame at all`);
    }
    const ok = await stream(server, app);
    assert.equal(ok.session.heartbeat, 25);
    assert.deepEqual(
      ok.session.events,
      [
        'chats:create',
        'chats:join',
        'chats:leave',
        'chats:close',
        'chats:intervened',
        'forever:alone',
        'invitations:new',
        'invitations:accept',
        'messages:new',
        'messages:read',
        'queues:update',
        'system:info',
        'surveys:response',
        'users:activity',
        'agents:status',
        'users:erased',
      ],
      'by default every trigger but chats:assign',
    );
    assert.ok(decodeCursor(app.id, ok.session.cursor) !== undefined);
    await ok.close();
  });

  it('a plain HTTP request to /v1/stream is told to upgrade; the OpenAPI document describes it', async () => {
    const res = await server.request('GET', '/v1/stream');
    assertError(res, 426, /WebSocket/);
    assert.equal(res.headers.upgrade, 'websocket');
    const doc = (await expectStatus(server, 200, 'GET', '/v1/openapi.json')).body;
    const op = doc.paths['/v1/stream']?.get;
    assert.ok(op, 'GET /v1/stream is documented');
    assert.match(op.description, /x-hyper-secret/);
    assert.deepEqual(op.security, [{ appId: [], secret: [] }]);
    assert.deepEqual(op.parameters.map((p: Json) => p.name).sort(), ['cursor', 'events']);
  });

  it('each frame is the webhook envelope of a stored event plus its id and cursor, in order', async () => {
    const app = await createTestApp(server);
    const s = await stream(server, app);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    await say(app, ann, chatId, 'hello');
    await say(app, ada, chatId, 'hi');
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chatId}`, { headers: app.asApp });
    const rows = await server.sb.store.db
      .selectFrom('events')
      .selectAll()
      .where('appId', '=', app.id)
      .where('trigger', '<>', 'chats:assign')
      .orderBy('position')
      .execute();
    const triggers = rows.map((r) => r.trigger);
    for (const t of ['chats:create', 'invitations:new', 'chats:join', 'messages:new', 'chats:close'])
      assert.ok(triggers.includes(t), `${t} among ${triggers}`);
    for (const row of rows) {
      const frame = await nextEvent(s);
      assert.deepEqual(frame, {
        trigger: row.trigger,
        appId: app.id,
        data: JSON.parse(row.data),
        created_at: row.created,
        id: row.id,
        cursor: frame.cursor,
      });
      assert.equal(decodeCursor(app.id, frame.cursor), Number(row.position));
    }
    await s.expectQuiet();
    await s.close();
  });

  it('events= filters by trigger; unknown triggers are refused with an error frame and 1008', async () => {
    const app = await createTestApp(server);
    const onlyMessages = await stream(server, app, { events: 'messages:new' });
    assert.deepEqual(onlyMessages.session.events, ['messages:new']);
    const two = await stream(server, app, { events: 'chats:close, messages:new' });
    assert.deepEqual(two.session.events.sort(), ['chats:close', 'messages:new']);
    const { user: ann, chatId } = await chatWithAgent(server, app);
    const sent = await say(app, ann, chatId, 'only this');
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chatId}`, { headers: app.asApp });
    assert.deepEqual((await nextEvent(onlyMessages, 'messages:new')).data, { message: sent });
    await onlyMessages.expectQuiet();
    assert.deepEqual((await nextEvent(two, 'messages:new')).data, { message: sent });
    assert.equal((await nextEvent(two, 'chats:close')).data.chatId, chatId);
    await two.expectQuiet();
    await Promise.all([onlyMessages.close(), two.close()]);

    for (const events of ['messages:explode', 'messages:new,', 'messages:new,nope', ',', 'x'.repeat(2000)]) {
      const bad = await openStream(server, app, { events });
      const error = await nextError(bad, 400, /Invalid events/);
      assert.equal(error.details[0].field, 'events');
      const closed = await bad.closed;
      assert.equal(closed.code, 1008, `${events}: ${JSON.stringify(closed)}`);
      assert.equal(bad.received.length, 1, 'the error frame only');
    }
  });

  it('a query parameter given twice is refused like bad events', async () => {
    const app = await createTestApp(server);
    for (const name of ['events', 'cursor']) {
      const bad = await openStream(server, app, {
        append: [
          [name, 'messages:new'],
          [name, 'chats:close'],
        ],
      });
      const error = await nextError(bad, 400, new RegExp(`Invalid ${name}`));
      assert.equal(error.details[0].field, name);
      assert.equal((await bad.closed).code, 1008);
    }
  });

  it('a stream hears only its own app', async () => {
    const app = await createTestApp(server);
    const other = await createTestApp(server);
    const mine = await stream(server, app, { events: 'messages:new' });
    const theirs = await stream(server, other, { events: 'messages:new' });
    const a = await chatWithAgent(server, app);
    const b = await chatWithAgent(server, other);
    const inOther = await say(other, b.user, b.chatId, 'other app');
    const inMine = await say(app, a.user, a.chatId, 'my app');
    assert.equal((await nextEvent(mine, 'messages:new')).data.message.id, inMine.id);
    assert.equal((await nextEvent(theirs, 'messages:new')).data.message.id, inOther.id);
    await mine.expectQuiet();
    await theirs.expectQuiet();
    // Another app's cursor is not resumed: resync-required.
    const cross = await stream(server, app, { cursor: theirs.session.cursor });
    assert.equal((await cross.next()).event, 'resync-required');
    await Promise.all([mine.close(), theirs.close(), cross.close()]);
  });

  it('bad frames get error frames and the stream stays up', async () => {
    const app = await createTestApp(server);
    const s = await stream(server, app, { events: 'messages:new' });
    s.send('this is not json');
    await nextError(s, 400, /not valid JSON/);
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await nextError(s, 400, /JSON text/);
    s.send('[1,2]');
    await nextError(s, 400, /reply/);
    s.send({ id: 1, event: 'messages:new', data: {} });
    const notAReply = await nextError(s, 400, /reply/);
    assert.deepEqual(notAReply.details, [
      { field: 'reply', message: 'must be the id of a chats:assign frame' },
    ]);
    s.send({ reply: 'nothing-asked', data: { agentId: 'x' } });
    await nextError(s, 404, /No chats:assign/);
    const { user: ann, chatId } = await chatWithAgent(server, app);
    const sent = await say(app, ann, chatId, 'still here');
    assert.equal((await nextEvent(s, 'messages:new')).data.message.id, sent.id);
    await s.close();
  });

  it('a frame over 64 KB closes with 1009; a burst over the rate limit closes with 4008', async () => {
    const app = await createTestApp(server);
    const big = await stream(server, app);
    big.send({ reply: 'x'.repeat(70 * 1024) });
    assert.equal((await big.closed).code, 1009);
    const fast = await stream(server, app);
    for (let i = 0; i < 150; i++) fast.send({ reply: `r${i}` });
    assert.equal((await fast.closed).code, 4008);
    const errors = fast.received.filter((f) => f.error);
    assert.ok(errors.length <= 100, `${errors.length} frames answered: none beyond the burst`);
  });

  it('a secret that no longer matches ends the stream at its next answer (4001)', async () => {
    const app = await createTestApp(server);
    const s = await stream(server, app);
    await server.sb.store.db
      .updateTable('apps')
      .set({ secretHash: 'changed' })
      .where('id', '=', app.id)
      .execute();
    s.send({ reply: 'x', data: {} });
    assert.equal((await s.closed).code, 4001);
  });
});

describeEachStore('stream: heartbeat', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind, {}, { realtime: { heartbeatMs: 150 } });
    await server.sb.listen();
  });
  after(() => server.close());

  it('pings every heartbeat; a stream that does not answer two pings is dropped', async () => {
    const app = await createTestApp(server);
    const alive = await stream(server, app);
    assert.equal(alive.session.heartbeat, 0, 'heartbeat is given in seconds (0 here: 150 ms)');
    const silent = await stream(server, app, { autoPong: false });
    const closed = await silent.closed;
    assert.equal(closed.code, 1006, 'cut without a close frame');
    assert.ok(silent.pings >= 2, `${silent.pings} pings`);
    assert.equal(alive.isClosed, false, 'a stream that answers stays');
    assert.ok(alive.pings >= 2);
    await alive.close();
  });

  it('a secret that no longer matches ends a silent stream at the next heartbeat (4001)', async () => {
    const app = await createTestApp(server);
    const s = await stream(server, app);
    await server.sb.store.db
      .updateTable('apps')
      .set({ secretHash: 'changed' })
      .where('id', '=', app.id)
      .execute();
    assert.equal((await s.closed).code, 4001);
  });
});
