import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createAgent,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { startServer, type TestServer, waitFor } from './helpers/harness.ts';

/** Capacity under real concurrency needs a store with real concurrent transactions: PostgreSQL. */
const pg = process.env.SWITCHBOARD_TEST_DATABASE_URL;

describe('capacity under concurrency [postgres]', {
  skip: pg ? false : 'SWITCHBOARD_TEST_DATABASE_URL not set',
}, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer('postgres');
  });
  after(() => server?.close());

  async function users(app: TestApp, n: number): Promise<Person[]> {
    const list: Person[] = [];
    for (let i = 0; i < n; i++) list.push(await createUser(server, app));
    return list;
  }

  it('50 simultaneous accepts for one agent with maxChats 3: exactly 3 succeed, the rest 409', async () => {
    const app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    const agent = await createAgent(server, app, { maxChats: 3 });
    const chats: string[] = [];
    for (const user of await users(app, 50)) {
      const res = await expectStatus(server, 201, 'POST', '/v1/chats', { headers: app.as(user.token) });
      chats.push(res.body.chat.id);
      await expectStatus(server, 201, 'POST', '/v1/invitations', {
        headers: app.asApp,
        body: { chatId: res.body.chat.id, userId: agent.id },
      });
    }
    const answers = await Promise.all(
      chats.map((chatId) =>
        server.request('POST', '/v1/invitations/accept', {
          headers: app.as(agent.token),
          body: { chatId, userId: agent.id },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 3, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 47, statuses.join(','));
    const view = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: app.asApp });
    assert.equal(view.body.agent.chats.length, 3);
    const row = await server.sb.store.db
      .selectFrom('users')
      .select('activeChats')
      .where('id', '=', agent.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.activeChats, 3);
  });

  it('200 chats at once over 10 agents with 5 slots: 50 active, 150 waiting, nobody over capacity', async () => {
    const app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { autoAccept: true } },
    });
    const agents: Person[] = [];
    for (let i = 0; i < 10; i++) agents.push(await createAgent(server, app, { maxChats: 5 }));
    const people = await users(app, 200);
    const created = await Promise.all(
      people.map((user) => server.request('POST', '/v1/chats', { headers: app.as(user.token) })),
    );
    assert.ok(created.every((r) => r.status === 201));
    const db = server.sb.store.db;
    // Wait until every loop has finished (joined, or forever:alone).
    await waitFor(
      async () => {
        const running = await db
          .selectFrom('assignments')
          .select('chatId')
          .where('appId', '=', app.id)
          .where('status', '=', 'running')
          .execute();
        return running.length === 0;
      },
      60000,
      'all loops to finish',
    );
    const chats = await db.selectFrom('chats').select(['status']).where('appId', '=', app.id).execute();
    assert.equal(chats.filter((c) => c.status === 'active').length, 50);
    assert.equal(chats.filter((c) => c.status === 'waiting').length, 150);
    const load = await db
      .selectFrom('chatUsers')
      .innerJoin('users', 'users.id', 'chatUsers.userId')
      .select(['users.id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('users.role', '=', 'agent')
      .where('users.appId', '=', app.id)
      .groupBy('users.id')
      .execute();
    assert.equal(load.length, 10);
    assert.ok(
      load.every((l) => Number(l.n) === 5),
      JSON.stringify(load),
    );
  });
});
