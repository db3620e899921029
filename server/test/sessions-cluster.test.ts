import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestRedis } from './helpers/cluster.ts';
import { assertError, createTestApp, expectStatus, type TestApp } from './helpers/fixtures.ts';
import { type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Client, closedWithin, connect } from './helpers/ws.ts';

/**
 * Sessions that end, across nodes (docs/security.md, "Sessions"): three nodes on one PostgreSQL schema
 * and one Redis. For each trigger — a password change by the secret, by the agent itself, a sign-out,
 * a deactivation — made on node A, the token answers 401 on every node and its sockets close with 4001
 * within a second on A (same node) and on B and C (other nodes, told through Redis). A fourth node
 * without Redis cannot hear revocations: it re-checks its sockets' tokens at each heartbeat.
 */
const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const redisUrl = process.env.SWITCHBOARD_TEST_REDIS_URL;
const skip =
  !databaseUrl || !redisUrl ? 'needs SWITCHBOARD_TEST_DATABASE_URL and SWITCHBOARD_TEST_REDIS_URL' : false;

describe('sessions across nodes [postgres + redis]', { skip }, () => {
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  let app: TestApp;
  let contacts = 0;
  before(async () => {
    a = await startServer('postgres', { REDIS_URL: redisUrl! });
    // B and C hear other nodes' events only through Redis, never by reading the store.
    const options = { schema: a.schema, realtime: { catchUpMs: 3_600_000 } };
    b = await startServer('postgres', { REDIS_URL: redisUrl! }, options);
    c = await startServer('postgres', { REDIS_URL: redisUrl! }, options);
    await Promise.all([a.sb.listen(), b.sb.listen(), c.sb.listen()]);
    app = await createTestApp(a, 'Sessions cluster');
  });
  after(async () => {
    await c?.close();
    await b?.close();
    await a?.close();
  });

  async function newAgent(): Promise<{ id: string; contact: string }> {
    const contact = `cluster-sessions-${++contacts}-${Date.now()}@example.com`;
    const res = await expectStatus(a, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'Ada', contact, password: 'pw-123456', rooms: [1] },
    });
    return { id: res.body.agent.id, contact };
  }

  async function login(node: TestServer, contact: string): Promise<string> {
    const res = await expectStatus(node, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'pw-123456' },
    });
    return res.body.session.token;
  }

  /** A token with a socket on each node. */
  async function socketsEverywhere(token: string): Promise<Client[]> {
    return [
      await connect(a, app, { token }),
      await connect(b, app, { token }),
      await connect(c, app, { token }),
    ];
  }

  /** The token answers 401 on every node, and each of its sockets closes with 4001 within a second. */
  async function ended(token: string, sockets: Client[]): Promise<void> {
    const codes = await Promise.all(sockets.map((socket) => closedWithin(socket, 1000)));
    assert.deepEqual(codes, [4001, 4001, 4001], 'node A (same node), B and C (other nodes)');
    for (const node of [a, b, c])
      assertError(await node.request('GET', '/v1/chats', { headers: app.as(token) }), 401);
  }

  async function stillOpen(token: string, sockets: Client[]): Promise<void> {
    for (const node of [a, b, c])
      await expectStatus(node, 200, 'GET', '/v1/chats', { headers: app.as(token) });
    for (const socket of sockets) assert.equal(socket.isClosed, false);
    for (const socket of sockets) await socket.close();
  }

  const change = (headers: Record<string, string>, id: string, body: Json) =>
    expectStatus(a, 200, 'PUT', `/v1/agents/${id}`, { headers, body });

  it('a password change by the secret', async () => {
    const agent = await newAgent();
    const token = await login(b, agent.contact);
    const sockets = await socketsEverywhere(token);
    await change(app.asApp, agent.id, { password: 'pw-234567' });
    await ended(token, sockets);
  });

  it('a password change by the agent itself (its own session stays)', async () => {
    const agent = await newAgent();
    const own = await login(a, agent.contact);
    const other = await login(c, agent.contact);
    const ownSockets = await socketsEverywhere(own);
    const otherSockets = await socketsEverywhere(other);
    await change(app.as(own), agent.id, { password: 'pw-345678' });
    await ended(other, otherSockets);
    await stillOpen(own, ownSockets);
  });

  it('a sign-out', async () => {
    const agent = await newAgent();
    const token = await login(a, agent.contact);
    const staying = await login(b, agent.contact);
    const sockets = await socketsEverywhere(token);
    const stayingSockets = await socketsEverywhere(staying);
    await expectStatus(a, 200, 'POST', '/v1/agents/logout', { headers: app.as(token), body: {} });
    await ended(token, sockets);
    await stillOpen(staying, stayingSockets);
  });

  it('a deactivation (every session), then a reactivation', async () => {
    const agent = await newAgent();
    const first = await login(a, agent.contact);
    const second = await login(c, agent.contact);
    const firstSockets = await socketsEverywhere(first);
    const secondSockets = await socketsEverywhere(second);
    await change(app.asApp, agent.id, { active: false });
    await Promise.all([ended(first, firstSockets), ended(second, secondSockets)]);
    for (const node of [a, b, c]) {
      assertError(
        await node.request('POST', '/v1/agents/login', {
          headers: app.asApp,
          body: { contact: agent.contact, password: 'pw-123456' },
        }),
        403,
      );
    }
    await change(app.asApp, agent.id, { active: true });
    const back = await login(b, agent.contact);
    await stillOpen(back, await socketsEverywhere(back));
  });

  it('while Redis is unreachable, a node re-checks its sockets at each heartbeat', async () => {
    const redis = await TestRedis.start();
    const realtime = { heartbeatMs: 300 };
    const x = await startServer('postgres', { REDIS_URL: redis.url }, { schema: a.schema, realtime });
    const y = await startServer('postgres', { REDIS_URL: redis.url }, { schema: a.schema, realtime });
    try {
      await Promise.all([x.sb.listen(), y.sb.listen()]);
      const agent = await newAgent();
      const token = await login(x, agent.contact);
      const socket = await connect(y, app, { token });
      await redis.kill();
      await waitFor(async () => y.sb.bus.state() === 'degraded', 10_000, 'node Y to see Redis gone');
      await expectStatus(x, 200, 'PUT', `/v1/agents/${agent.id}`, {
        headers: app.asApp,
        body: { password: 'pw-567890' },
      });
      assertError(await y.request('GET', '/v1/chats', { headers: app.as(token) }), 401);
      assert.equal(await closedWithin(socket, 1000), 4001);
    } finally {
      await y.close();
      await x.close();
      await redis.kill();
    }
  });

  it('a node that cannot hear revocations (no Redis) re-checks its sockets at its next heartbeat', async () => {
    const deaf = await startServer('postgres', {}, { schema: a.schema, realtime: { heartbeatMs: 300 } });
    try {
      await deaf.sb.listen();
      assert.equal(deaf.sb.bus.kind, 'memory');
      const agent = await newAgent();
      const token = await login(a, agent.contact);
      const socket = await connect(deaf, app, { token });
      await change(app.asApp, agent.id, { password: 'pw-456789' });
      assert.equal(await closedWithin(socket, 1000), 4001);
    } finally {
      await deaf.close();
    }
  });
});
