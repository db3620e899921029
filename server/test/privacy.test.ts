import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  createAgent,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';

describeEachStore('what end users see of agents', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let agent: Person;
  let user: Person;
  let chatId: string;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    agent = await createAgent(server, app, { contact: 'ada@support.example', password: 'pw-123456' });
    user = await createUser(server, app);
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', { headers: app.as(user.token) });
    chatId = chat.body.chat.id;
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.asApp,
      body: { userId: agent.id },
    });
  });
  after(() => server.close());

  it('hides an agent’s contact (their login) from end users, everywhere', async () => {
    const asUser = app.as(user.token);
    const direct = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers: asUser });
    assert.equal(direct.body.agent.contact, undefined);
    assert.equal(direct.body.agent.name, 'Agent');
    const asUserView = await expectStatus(server, 200, 'GET', `/v1/users/${agent.id}`, { headers: asUser });
    assert.equal(asUserView.body.user.contact, undefined);
    const expanded = await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}?fields=users`, {
      headers: asUser,
    });
    const fromChat = expanded.body.chat.users.find((u: { id: string }) => u.id === agent.id);
    assert.equal(fromChat.contact, undefined);
    const users = await expectStatus(server, 200, 'GET', `/v1/chats/${chatId}/users`, { headers: asUser });
    assert.equal(users.body.users.find((u: { id: string }) => u.id === agent.id).contact, undefined);
  });

  it('shows it to the app, to agents and to the agent themself', async () => {
    for (const headers of [app.asApp, app.as(agent.token)]) {
      const res = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, { headers });
      assert.equal(res.body.agent.contact, 'ada@support.example');
    }
  });
});
