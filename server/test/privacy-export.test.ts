import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';

describeEachStore('exporting an end user (GET /v1/users/{id}/export)', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let agent: Person;
  let admin: Person;
  let ann: Person;
  const chats: string[] = [];

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    agent = await createAgent(server, app, { name: 'Ada' });
    admin = await createAgent(server, app, { name: 'Boss', role: 'admin' });
    ann = await createUser(server, app, {
      name: 'Ann Export',
      contact: 'ann@export.example',
      extraInfo: { tier: 2 },
    });
    await createUser(server, app, { name: 'Someone else' });
    // Two chats of Ann's, the first closed (with its ticket), the second open.
    for (const round of [1, 2]) {
      const id = (await createChat(server, app, ann)).id as string;
      chats.push(id);
      await expectStatus(server, 200, 'POST', `/v1/chats/${id}/join`, {
        headers: app.asApp,
        body: { userId: agent.id },
      });
      await expectStatus(server, 201, 'POST', `/v1/chats/${id}/messages`, {
        headers: app.as(ann.token),
        body: { message: `question ${round}` },
      });
      await expectStatus(server, 201, 'POST', `/v1/chats/${id}/messages`, {
        headers: app.as(agent.token),
        body: { message: `internal note ${round}`, visibility: 'agents' },
      });
      await expectStatus(server, 201, 'POST', `/v1/chats/${id}/messages`, {
        headers: app.as(agent.token),
        body: { message: `answer ${round}` },
      });
      if (round === 1) await expectStatus(server, 200, 'DELETE', `/v1/chats/${id}`, { headers: app.asApp });
    }
  });
  after(() => server.close());

  it('holds the profile and every chat with what the user could see, never a note; paged', async () => {
    const first = (
      await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}/export?limit=1`, { headers: app.asApp })
    ).body;
    assert.equal(first.user.id, ann.id);
    assert.equal(first.user.name, 'Ann Export');
    assert.equal(first.user.contact, 'ann@export.example');
    assert.deepEqual(first.user.extraInfo, { tier: 2 });
    assert.equal(typeof first.exported, 'number');
    assert.equal(first.chats.length, 1);
    assert.equal(typeof first.next, 'string');
    const second = (
      await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}/export?limit=1&cursor=${first.next}`, {
        headers: app.asApp,
      })
    ).body;
    assert.equal(second.next, null);
    const all = [...first.chats, ...second.chats] as Json[];
    assert.deepEqual(
      all.map((c) => c.chat.id),
      chats,
    );
    for (const [i, exported] of all.entries()) {
      const texts = (exported.messages as Json[]).map((m) => m.message);
      assert.deepEqual(texts, [`question ${i + 1}`, `answer ${i + 1}`]);
      assert.ok(!JSON.stringify(exported).includes('internal note'));
    }
    assert.equal(all[0]!.chat.status, 'closed');
    assert.equal(all[0]!.tickets.length, 1);
    assert.equal(all[0]!.tickets[0].subject, 'question 1');
    assert.equal(all[1]!.tickets.length, 0);
  });

  it('an admin person may export and erase; an agent may not; an agent is not exported', async () => {
    assertError(
      await server.request('GET', `/v1/users/${ann.id}/export`, { headers: app.as(agent.token) }),
      403,
    );
    const byAdmin = await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}/export`, {
      headers: app.as(admin.token),
    });
    assert.equal(byAdmin.body.chats.length, 2);
    assertError(await server.request('GET', `/v1/users/${agent.id}/export`, { headers: app.asApp }), 409);
    assert.equal(
      (await server.request('DELETE', `/v1/users/${ann.id}`, { headers: app.as(admin.token) })).status,
      204,
    );
    const after = (
      await expectStatus(server, 200, 'GET', `/v1/users/${ann.id}/export`, { headers: app.asApp })
    ).body;
    assert.equal(after.user.name, 'Erased user');
    // The open chat was closed by the erasure; ids and counts stay, texts are gone.
    assert.deepEqual(
      (after.chats as Json[]).map((c) => [c.chat.id, c.chat.status, c.messages.length]),
      chats.map((id) => [id, 'closed', 2]),
    );
    assert.ok(!JSON.stringify(after).includes('question'));
    assertError(await server.request('POST', `/v1/users/${ann.id}/token`, { headers: app.asApp }), 409);
    assertError(
      await server.request('POST', '/v1/chats', { headers: app.asApp, body: { creator: ann.id } }),
      409,
      /erased/,
    );
  });
});
