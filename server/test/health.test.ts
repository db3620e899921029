import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { TestRedis } from './helpers/cluster.ts';
import { expectStatus } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer, waitFor } from './helpers/harness.ts';

/**
 * `/v1/health` and the Redis link (docs/scale-out.md, "Failure behaviour"): a node starts without
 * Redis and says `degraded` (200: it still serves), recovers by itself when Redis comes, and answers
 * 503 only when its store does not answer. Each test starts its own redis-server on a free port.
 */
describeEachStore('health and a node without Redis', (kind) => {
  const servers: TestServer[] = [];
  const redises: TestRedis[] = [];
  after(async () => {
    for (const server of servers) await server.close().catch(() => undefined);
    for (const redis of redises) await redis.kill();
  });

  it('starts while Redis is down: 200 degraded, serves; Redis up → ok, publishing, no restart', async () => {
    const redis = await TestRedis.start();
    redises.push(redis);
    await redis.kill();
    const started = Date.now();
    const server = await startServer(kind, { REDIS_URL: redis.url });
    servers.push(server);
    assert.ok(Date.now() - started < 10_000, 'the start did not hang on Redis');
    const degraded = await expectStatus(server, 200, 'GET', '/v1/health');
    assert.deepEqual(
      { status: degraded.body.status, bus: degraded.body.bus, redis: degraded.body.redis },
      { status: 'degraded', bus: 'redis', redis: 'degraded' },
    );
    // It serves (an app is written).
    const created = await expectStatus(server, 201, 'POST', '/v1/apps', {
      headers: { 'x-hyper-admin': server.adminKey },
      body: { name: 'no redis' },
    });
    assert.equal(typeof created.body.app.id, 'string');

    await redis.restart();
    await waitFor(
      async () => (await server.request('GET', '/v1/health')).body.status === 'ok',
      15_000,
      'healthy once Redis is up',
    );
    const ok = await expectStatus(server, 200, 'GET', '/v1/health');
    assert.equal(ok.body.redis, 'ok');
    // The bus publishes again: a subscriber of ours hears the next commit.
    const channels = await waitFor(async () => {
      const spy = redis.client();
      try {
        const list = (await spy.pubsub('CHANNELS', 'switchboard:events:*')) as string[];
        // The bus's channel (the stream's chats:assign channels share its prefix).
        const bus = list.filter((c) => /^switchboard:events:[0-9a-f]+$/.test(c));
        return bus.length > 0 ? bus : undefined;
      } finally {
        spy.disconnect();
      }
    }, 10_000);
    const asApp = { 'x-hyper-appid': created.body.app.id, 'x-hyper-secret': created.body.secret };
    const user = await expectStatus(server, 201, 'POST', '/v1/users', {
      headers: asApp,
      body: { name: 'Ann' },
    });
    const spy = redis.client();
    let heard = 0;
    spy.on('message', () => {
      heard++;
    });
    try {
      await spy.subscribe(channels[0]!);
      await expectStatus(server, 201, 'POST', '/v1/chats', {
        headers: { 'x-hyper-appid': created.body.app.id, 'x-hyper-token': user.body.session.token },
        body: {},
      });
      await waitFor(async () => heard > 0, 10_000, 'the commit on Redis');
    } finally {
      spy.disconnect();
    }
  });

  it('answers 503 when the store does not answer', async () => {
    const server = await startServer(kind);
    servers.push(server);
    const ok = await expectStatus(server, 200, 'GET', '/v1/health');
    assert.equal(ok.body.status, 'ok');
    assert.equal(ok.body.redis, undefined, 'no Redis, no redis field');
    await server.sb.store.close();
    const down = await expectStatus(server, 503, 'GET', '/v1/health');
    assert.equal(down.body.error.code, 503);
  });
});
