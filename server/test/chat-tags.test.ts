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

describeEachStore('chat tags', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Tags app');
    other = await createTestApp(server, 'Other app');
  });
  after(() => server.close());

  /** A chat with `agent` in it. */
  async function chatWithAgent(target = app): Promise<{ chat: Json; user: Person; agent: Person }> {
    const user = await createUser(server, target);
    const agent = await createAgent(server, target);
    const chat = await createChat(server, target, user);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: target.as(agent.token),
      body: {},
    });
    return { chat, user, agent };
  }
  const setTags = (chatId: string, headers: Record<string, string>, tags: unknown) =>
    server.request('PUT', `/v1/chats/${chatId}`, { headers, body: { tags } });
  const settings = (body: Json) =>
    expectStatus(server, 200, 'PUT', '/v1/settings', { headers: app.asApp, body });
  const chatOf = async (id: string) =>
    (await expectStatus(server, 200, 'GET', `/v1/chats/${id}`, { headers: app.asApp })).body.chat;

  it('a chat starts untagged; the agent in it or the secret sets its tags, others may not', async () => {
    const { chat, user, agent } = await chatWithAgent();
    assert.deepEqual(chat.tags, []);
    const res = await setTags(chat.id, app.as(agent.token), ['billing', 'refund', 'billing']);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((res.body as Json).chat.tags, ['billing', 'refund']);
    assert.deepEqual((await chatOf(chat.id)).tags, ['billing', 'refund']);
    const bySecret = await setTags(chat.id, app.asApp, ['vip']);
    assert.deepEqual((bySecret.body as Json).chat.tags, ['vip']);
    // A colleague of the room not in the chat, and the visitor, may not.
    const colleague = await createAgent(server, app);
    assertError(await setTags(chat.id, app.as(colleague.token), ['x']), 403);
    assertError(await setTags(chat.id, app.as(user.token), ['x']), 403);
    // Another app: the chat does not exist.
    assertError(await setTags(chat.id, other.asApp, ['x']), 404);
    // Bad tags: 400, nothing changed.
    for (const bad of [
      [''],
      [' padded'],
      ['a,b'],
      ['x'.repeat(51)],
      'vip',
      Array.from({ length: 21 }, (_, i) => `t${i}`),
    ])
      assertError(await setTags(chat.id, app.asApp, bad), 400);
    assert.deepEqual((await chatOf(chat.id)).tags, ['vip']);
    // [] clears them.
    assert.deepEqual(((await setTags(chat.id, app.asApp, [])).body as Json).chat.tags, []);
  });

  it('settings tags.allowed limits the tags (400 outside it); null allows any again', async () => {
    const defaults = (await expectStatus(server, 200, 'GET', '/v1/settings', { headers: app.asApp })).body
      .settings;
    assert.deepEqual(defaults.tags, { allowed: null, requiredOnClose: false });
    await settings({ tags: { allowed: ['billing', 'sales'] } });
    const { chat, agent } = await chatWithAgent();
    const refused = await setTags(chat.id, app.as(agent.token), ['billing', 'spam']);
    assertError(refused, 400, /spam/);
    assert.equal((refused.body as Json).error.details[0].field, 'tags.1');
    assert.deepEqual((await chatOf(chat.id)).tags, []);
    assert.equal((await setTags(chat.id, app.as(agent.token), ['sales'])).status, 200);
    assertError(
      await server.request('PUT', '/v1/settings', {
        headers: app.asApp,
        body: { tags: { allowed: ['a,b'] } },
      }),
      400,
    );
    const cleared = await settings({ tags: { allowed: null } });
    assert.deepEqual(cleared.body.settings.tags, { allowed: null, requiredOnClose: false });
    assert.equal((await setTags(chat.id, app.as(agent.token), ['spam'])).status, 200);
  });

  it('requiredOnClose: an untagged chat closed by its agent or the secret is a 409 and stays open', async () => {
    await settings({ tags: { requiredOnClose: true } });
    const { chat, agent } = await chatWithAgent();
    const refused = await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: app.as(agent.token) });
    assertError(refused, 409, /tag/);
    assertError(await server.request('DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp }), 409);
    assert.equal((await chatOf(chat.id)).status, 'active');
    assert.equal((await setTags(chat.id, app.as(agent.token), ['done'])).status, 200);
    const closed = await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, {
      headers: app.as(agent.token),
    });
    assert.equal(closed.body.chat.status, 'closed');
    assert.deepEqual(closed.body.chat.tags, ['done']);
    // Tags stay editable once closed (wrap-up); other fields do not.
    assert.deepEqual(
      ((await setTags(chat.id, app.as(agent.token), ['done', 'late'])).body as Json).chat.tags,
      ['done', 'late'],
    );
    assertError(
      await server.request('PUT', `/v1/chats/${chat.id}`, {
        headers: app.as(agent.token),
        body: { priority: 2 },
      }),
      409,
    );
    // The visitor closing its own chat is never refused.
    const second = await chatWithAgent();
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${second.chat.id}`, {
      headers: app.as(second.user.token),
    });
    await settings({ tags: { requiredOnClose: false } });
  });

  it('GET /chats?tag= lists the chats with that tag, within what the caller sees', async () => {
    const a = await chatWithAgent();
    const b = await chatWithAgent();
    await setTags(a.chat.id, app.asApp, ['Refund 2', 'vip']);
    await setTags(b.chat.id, app.asApp, ['vip']);
    const ids = async (headers: Record<string, string>, tag: string) =>
      (
        await expectStatus(server, 200, 'GET', `/v1/chats?tag=${encodeURIComponent(tag)}&limit=200`, {
          headers,
        })
      ).body.chats
        .map((c: Json) => c.id)
        .sort();
    assert.deepEqual(await ids(app.asApp, 'Refund 2'), [a.chat.id]);
    assert.deepEqual(await ids(app.asApp, 'refund 2'), []);
    assert.ok((await ids(app.asApp, 'vip')).includes(b.chat.id));
    assert.deepEqual(await ids(app.asApp, 'vip'), [a.chat.id, b.chat.id].sort());
    assert.deepEqual(await ids(app.as(a.user.token), 'vip'), [a.chat.id]);
    assert.deepEqual(await ids(other.asApp, 'vip'), []);
  });
});
