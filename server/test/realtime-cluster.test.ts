import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, expectStatus, type TestApp } from './helpers/fixtures.ts';
import { startServer, type TestServer } from './helpers/harness.ts';
import { chatWithAgent, connect } from './helpers/ws.ts';

/**
 * Several nodes on one PostgreSQL schema: a socket on one node hears what another node committed.
 * Runs with SWITCHBOARD_TEST_DATABASE_URL and SWITCHBOARD_TEST_REDIS_URL (two nodes cannot share the
 * embedded SQLite store).
 */
const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const redisUrl = process.env.SWITCHBOARD_TEST_REDIS_URL;
const skip =
  !databaseUrl || !redisUrl ? 'needs SWITCHBOARD_TEST_DATABASE_URL and SWITCHBOARD_TEST_REDIS_URL' : false;

describe('realtime across nodes [postgres + redis]', { skip }, () => {
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  let app: TestApp;
  before(async () => {
    a = await startServer('postgres', { REDIS_URL: redisUrl! });
    // Node B hears other nodes only through Redis: its store catch-up is switched off.
    b = await startServer(
      'postgres',
      { REDIS_URL: redisUrl! },
      { schema: a.schema, realtime: { catchUpMs: 3_600_000 } },
    );
    // Node C has no Redis at all: what it hears of other nodes comes from the store alone.
    c = await startServer('postgres', {}, { schema: a.schema, realtime: { catchUpMs: 200 } });
    await Promise.all([a.sb.listen(), b.sb.listen(), c.sb.listen()]);
    app = await createTestApp(a);
  });
  after(async () => {
    await b?.close();
    await c?.close();
    await a?.close();
  });

  it('uses the Redis bus', async () => {
    assert.equal(a.sb.bus.kind, 'redis');
    assert.equal(b.sb.bus.kind, 'redis');
    assert.equal(c.sb.bus.kind, 'memory');
    const health = await expectStatus(b, 200, 'GET', '/v1/health');
    assert.equal(health.body.bus, 'redis');
  });

  it('a socket on node B hears, in order, what node A committed', async () => {
    const { user: ann, agent: ada, chatId } = await chatWithAgent(a, app);
    const adaOnA = await connect(a, app, { token: ada.token });
    const annOnB = await connect(b, app, { token: ann.token });
    const sent: string[] = [];
    for (let i = 0; i < 30; i++) {
      const id = adaOnA.request('messages:new', { chatId, message: `a${i}` });
      const own = await adaOnA.event('messages:new');
      sent.push(own.message.id);
      await adaOnA.ack(id);
    }
    // And a REST change on node A.
    await expectStatus(a, 200, 'PUT', `/v1/chats/${chatId}`, {
      headers: app.as(ada.token),
      body: { priority: 5 },
    });
    await expectStatus(a, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(ada.token),
      body: { message: 'rest' },
    });
    const rest = (await adaOnA.event('messages:new')).message.id as string;
    const heard: string[] = [];
    for (let i = 0; i < 31; i++) heard.push((await annOnB.event('messages:new')).message.id);
    assert.equal(heard[30], rest);
    assert.deepEqual(heard.slice(0, 30), sent);
    await annOnB.expectQuiet();
    // And back: Ann writes on node B, Ada hears it on node A.
    const reply = annOnB.request('messages:new', { chatId, message: 'from B' });
    const mine = await annOnB.event('messages:new');
    await annOnB.ack(reply);
    assert.deepEqual(await adaOnA.event('messages:new'), mine);
    await Promise.all([adaOnA.close(), annOnB.close()]);
  });

  it('a node without the bus still hears everything, from the store', async () => {
    const { user: ann, agent: ada, chatId } = await chatWithAgent(a, app);
    const annOnC = await connect(c, app, { token: ann.token });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await expectStatus(a, 201, 'POST', `/v1/chats/${chatId}/messages`, {
        headers: app.as(ada.token),
        body: { message: `c${i}` },
      });
      sent.push(res.body.message.id);
    }
    const heard: string[] = [];
    for (let i = 0; i < 20; i++) heard.push((await annOnC.event('messages:new', 10000)).message.id);
    assert.deepEqual(heard, sent);
    await annOnC.expectQuiet(600);
    await annOnC.close();
  });

  it('presence counts connections on every node', async () => {
    const { user: ann, agent: ada, chatId } = await chatWithAgent(a, app);
    const adaOnA = await connect(a, app, { token: ada.token });
    const annOnA = await connect(a, app, { token: ann.token });
    const annOnB = await connect(b, app, { token: ann.token });
    await annOnA.close();
    await adaOnA.expectQuiet(500);
    await annOnB.close();
    assert.deepEqual(await adaOnA.event('users:activity'), {
      chatId,
      userId: ann.id,
      type: 'disconnected',
      grace: 30,
    });
    // Back on node B: reconnected, heard on node A.
    const again = await connect(b, app, { token: ann.token });
    assert.deepEqual(await adaOnA.event('users:activity'), { chatId, userId: ann.id, type: 'reconnected' });
    await Promise.all([adaOnA.close(), again.close()]);
  });
});
