import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { rtDb } from '../src/store/realtime-tables.ts';
import { createAgent, createTestApp, expectStatus, type Person, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { chatWithAgent, connect } from './helpers/ws.ts';

async function setGrace(server: TestServer, app: TestApp, seconds: number): Promise<void> {
  await expectStatus(server, 200, 'PUT', '/v1/settings', {
    headers: app.asApp,
    body: { presence: { reconnectGrace: seconds } },
  });
}

async function chatOf(server: TestServer, app: TestApp, chatId: string): Promise<Json> {
  return (await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}`, { headers: app.asApp })).body.chat;
}

async function agentOf(server: TestServer, app: TestApp, agent: Person): Promise<Json> {
  return (await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: app.asApp })).body
    .agent;
}

async function graceTimers(server: TestServer, userId: string): Promise<number> {
  const rows = await server.sb.store.db
    .selectFrom('timers')
    .select('ref')
    .where('kind', '=', 'presence.reconnectGrace')
    .where('ref', '=', userId)
    .execute();
  return rows.length;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeEachStore('presence: disconnection, reconnect grace, typing', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
    await server.sb.listen();
  });
  after(() => server.close());

  it('an end user back within the grace: disconnected, reconnected, nothing else', async () => {
    const app = await createTestApp(server);
    await setGrace(server, app, 2);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const adaWs = await connect(server, app, { token: ada.token });
    const annWs = await connect(server, app, { token: ann.token });
    await annWs.close();
    assert.deepEqual(await adaWs.event('users:activity'), {
      chatId,
      userId: ann.id,
      type: 'disconnected',
      grace: 2,
    });
    assert.equal(await graceTimers(server, ann.id), 1);
    const back = await connect(server, app, { token: ann.token });
    assert.deepEqual(await adaWs.event('users:activity'), { chatId, userId: ann.id, type: 'reconnected' });
    assert.equal(await graceTimers(server, ann.id), 0, 'the grace is over');
    // Well past the grace: no leave, no close.
    await adaWs.expectQuiet(3000);
    assert.equal((await chatOf(server, app, chatId)).status, 'active');
    await back.expectQuiet(0);
    await Promise.all([back.close(), adaWs.close()]);
  });

  it('an end user away past the grace leaves, and the chat closes (reason disconnected)', async () => {
    const app = await createTestApp(server);
    await setGrace(server, app, 1);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const adaWs = await connect(server, app, { token: ada.token });
    const annWs = await connect(server, app, { token: ann.token });
    await annWs.close();
    assert.deepEqual(await adaWs.event('users:activity'), {
      chatId,
      userId: ann.id,
      type: 'disconnected',
      grace: 1,
    });
    assert.deepEqual(await adaWs.event('chats:leave', 5000), { chatId, userId: ann.id });
    assert.deepEqual(await adaWs.event('chats:close'), {
      chatId,
      userId: 'system',
      extraData: { reason: 'disconnected' },
    });
    assert.equal((await adaWs.event('system:info')).data.type, 'ticket');
    await adaWs.expectQuiet();
    const chat = await chatOf(server, app, chatId);
    assert.equal(chat.status, 'closed');
    assert.equal(chat.closedBy, 'system');
    assert.deepEqual(chat.users, [ada.id]);
    assert.deepEqual((await agentOf(server, app, ada)).chats, [], 'the agent’s slot is free again');
    assert.equal(await graceTimers(server, ann.id), 0);
    await adaWs.close();
  });

  it('an agent back within the grace keeps the chat; away past it, leaves, goes offline, chat re-routed', async () => {
    const app = await createTestApp(server);
    await setGrace(server, app, 1);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const bea = await createAgent(server, app, { name: 'Bea' });
    const annWs = await connect(server, app, { token: ann.token });
    const beaWs = await connect(server, app, { token: bea.token });
    const adaWs = await connect(server, app, { token: ada.token });

    await adaWs.close();
    assert.deepEqual(await annWs.event('users:activity'), {
      chatId,
      userId: ada.id,
      type: 'disconnected',
      grace: 1,
    });
    const adaBack = await connect(server, app, { token: ada.token });
    assert.deepEqual(await annWs.event('users:activity'), { chatId, userId: ada.id, type: 'reconnected' });
    await annWs.expectQuiet(1800);
    assert.equal((await chatOf(server, app, chatId)).status, 'active');
    assert.equal((await agentOf(server, app, ada)).status, 'online');

    await adaBack.close();
    assert.deepEqual(await annWs.event('users:activity'), {
      chatId,
      userId: ada.id,
      type: 'disconnected',
      grace: 1,
    });
    assert.deepEqual(await annWs.event('chats:leave', 5000), { chatId, userId: ada.id });
    // The agents of Ada's room hear her go offline, in the expiry's own change (docs/reports.md).
    assert.deepEqual(await beaWs.event('agents:status', 5000), {
      agentId: ada.id,
      status: 'offline',
      previous: 'online',
      rooms: [1],
      reason: 'presence',
    });
    // Back to routing: the other agent is invited; Ada is offline and out of the chat.
    const invitation = await beaWs.event('invitations:new', 5000);
    assert.equal(invitation.chatId, chatId);
    assert.equal(invitation.userId, bea.id);
    const adaNow = await agentOf(server, app, ada);
    assert.equal(adaNow.status, 'offline');
    assert.deepEqual(adaNow.chats, []);
    const chat = await chatOf(server, app, chatId);
    assert.equal(chat.status, 'waiting');
    assert.deepEqual(chat.users, [ann.id]);
    await Promise.all([annWs.expectQuiet(), beaWs.expectQuiet()]);
    await Promise.all([annWs.close(), beaWs.close()]);
  });

  it('the last tab counts: closing one of two says nothing', async () => {
    const app = await createTestApp(server);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const adaWs = await connect(server, app, { token: ada.token });
    const tab1 = await connect(server, app, { token: ann.token });
    const tab2 = await connect(server, app, { token: ann.token });
    await tab1.close();
    await adaWs.expectQuiet(500);
    assert.equal(await graceTimers(server, ann.id), 0);
    await tab2.close();
    assert.deepEqual(await adaWs.event('users:activity'), {
      chatId,
      userId: ann.id,
      type: 'disconnected',
      grace: 30,
    });
    await adaWs.close();
  });

  it('users who never opened a realtime connection are not affected', async () => {
    const app = await createTestApp(server);
    await setGrace(server, app, 1);
    const { user: carl, agent: ada, chatId } = await chatWithAgent(server, app);
    await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(carl.token),
      body: { message: 'API only' },
    });
    await sleep(2500);
    await server.sb.timers.runDue();
    assert.equal((await chatOf(server, app, chatId)).status, 'active');
    assert.equal((await agentOf(server, app, ada)).status, 'online');
    assert.equal(await graceTimers(server, carl.id), 0);
    assert.equal(await graceTimers(server, ada.id), 0);
  });

  it('the grace is a durable timer: it runs out on the next node after a restart', async () => {
    const app = await createTestApp(server);
    await setGrace(server, app, 2);
    const { user: ann, chatId } = await chatWithAgent(server, app);
    const annWs = await connect(server, app, { token: ann.token });
    await server.restart();
    await server.sb.listen();
    assert.equal((await annWs.closed).code, 1001);
    assert.equal(await graceTimers(server, ann.id), 1, 'the stopping node started the grace');
    const closed = await waitFor(
      async () => {
        const chat = await chatOf(server, app, chatId);
        return chat.status === 'closed' ? chat : undefined;
      },
      10000,
      'the grace to run out',
    );
    assert.equal(closed.closedBy, 'system');
  });

  it('the connections of a node that died are swept by the others', async () => {
    const app = await createTestApp(server);
    const { user: ann, agent: ada, chatId } = await chatWithAgent(server, app);
    const adaWs = await connect(server, app, { token: ada.token });
    // Ann holds a connection on a node that crashed: its lease ran out a while ago.
    const db = rtDb(server.sb.store.db);
    await db
      .insertInto('realtimeNodes')
      .values({ id: 'dead-node', aliveUntil: Date.now() - 1000 })
      .execute();
    await db
      .insertInto('realtimePresence')
      .values({ userId: ann.id, nodeId: 'dead-node', appId: app.id, since: Date.now() - 60_000 })
      .execute();
    await server.sb.realtime.presence.maintain();
    assert.deepEqual(await adaWs.event('users:activity'), {
      chatId,
      userId: ann.id,
      type: 'disconnected',
      grace: 30,
    });
    assert.equal(await graceTimers(server, ann.id), 1);
    const rows = await db.selectFrom('realtimeNodes').select('id').where('id', '=', 'dead-node').execute();
    assert.deepEqual(rows, [], 'the dead node is forgotten');
    await adaWs.close();
  });
});
