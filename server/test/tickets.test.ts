import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';

describeEachStore('tickets', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Tickets app');
    other = await createTestApp(server, 'Other app');
  });
  after(() => server.close());

  /** A chat with an agent in it and a few messages, closed by `closer`. */
  async function closedChat(
    target: TestApp,
    closeAs: 'user' | 'agent' | 'app' = 'user',
  ): Promise<{ chat: Json; user: Person; agent: Person; messages: Json[]; closed: Json }> {
    const user = await createUser(server, target);
    const agent = await createAgent(server, target);
    const chat = await createChat(server, target, user);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: target.as(agent.token),
      body: {},
    });
    const messages: Json[] = [];
    for (const [who, text] of [
      [agent, 'Hello, how can I help?'],
      [user, ' \n '],
      [user, '  My   order\n never arrived  '],
      [agent, 'Sorry to hear that, let me check.'],
      [user, 'Thanks!'],
    ] as const) {
      const res = await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
        headers: target.as(who.token),
        body: { message: text },
      });
      messages.push(res.body.message);
    }
    const headers =
      closeAs === 'app' ? target.asApp : target.as(closeAs === 'user' ? user.token : agent.token);
    const closed = await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers });
    return { chat, user, agent, messages, closed: closed.body.chat };
  }

  it('creates a ticket with the transcript when a chat closes', async () => {
    const { chat, messages, closed } = await closedChat(app);
    assert.equal(closed.status, 'closed');
    const list = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: app.asApp,
    });
    assert.equal(list.body.tickets.length, 1);
    const ticket = list.body.tickets[0];
    assert.deepEqual(Object.keys(ticket).sort(), [
      'chatId',
      'created',
      'externalId',
      'id',
      'subject',
      'transcript',
    ]);
    assert.equal(ticket.externalId, chat.id);
    assert.equal(ticket.chatId, chat.id);
    assert.equal(typeof ticket.id, 'string');
    assert.ok(Number.isInteger(ticket.created) && ticket.created >= chat.created);
    assert.equal(
      ticket.subject,
      'My order never arrived',
      'first non-blank end-user line, whitespace collapsed',
    );
    assert.deepEqual(ticket.transcript, messages);
    assert.equal(closed.ticketId, ticket.id, 'the closed chat points at its ticket');
    const got = await expectStatus(server, 200, 'GET', `/v1/tickets/${ticket.id}`, { headers: app.asApp });
    assert.deepEqual(got.body, { ticket });
    const chatNow = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, { headers: app.asApp });
    assert.equal(chatNow.body.chat.ticketId, ticket.id);
  });

  it('announces the ticket with system:info after chats:close', async () => {
    const { chat } = await closedChat(app, 'agent');
    const ticket = (
      await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, { headers: app.asApp })
    ).body.tickets[0];
    const events = (await eventsOf(server, app.id)).filter((e) => e.chatId === chat.id);
    const triggers = events.map((e) => e.trigger);
    const closeAt = triggers.indexOf('chats:close');
    const infoAt = triggers.indexOf('system:info');
    assert.ok(closeAt >= 0 && infoAt > closeAt, triggers.join(','));
    assert.equal(triggers.filter((t) => t === 'system:info').length, 1);
    assert.deepEqual(events[infoAt]!.data, {
      chatId: chat.id,
      data: { type: 'ticket', ticketId: ticket.id },
    });
  });

  it('cuts a long subject to 120 characters without splitting a character', async () => {
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user);
    const text = `${'a'.repeat(119)}😀${'b'.repeat(20)}`;
    await expectStatus(server, 201, 'POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: text },
    });
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    const list = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: app.asApp,
    });
    assert.equal(list.body.tickets[0].subject, `${'a'.repeat(119)}😀`);
  });

  it('uses a generic subject when the end user wrote nothing', async () => {
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user);
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
    const list = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: app.asApp,
    });
    assert.equal(list.body.tickets.length, 1);
    assert.equal(list.body.tickets[0].subject, `Chat ${chat.id}`);
    assert.deepEqual(list.body.tickets[0].transcript, []);
  });

  it('keeps a media message in the transcript as a media reference', async () => {
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user);
    const form = new FormData();
    form.append('chatId', chat.id);
    form.append('media', new Blob(['hello'], { type: 'text/plain' }), 'note.txt');
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const up = await server.request('POST', '/v1/media', {
      headers: { ...app.as(user.token), 'content-type': request.headers.get('content-type') ?? '' },
      body: Buffer.from(await request.arrayBuffer()),
    });
    assert.equal(up.status, 201, up.text);
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.as(user.token) });
    const list = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(list.body.tickets[0].transcript, [up.body.message]);
    assert.equal(list.body.tickets[0].transcript[0].message.url, `/media/${up.body.media.id}`);
  });

  it('creates a ticket when the creator leaves and so closes the chat', async () => {
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user);
    await expectStatus(server, 200, 'PUT', `/v1/chats/${chat.id}/leave`, { headers: app.as(user.token) });
    const list = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: app.asApp,
    });
    assert.equal(list.body.tickets.length, 1);
  });

  it('makes no ticket and no system:info with tickets.createOnClose false', async () => {
    const quiet = await createTestApp(server, 'No tickets');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: quiet.asApp,
      body: { tickets: { createOnClose: false } },
    });
    const { chat, closed } = await closedChat(quiet);
    assert.equal(closed.status, 'closed');
    assert.equal(closed.ticketId, undefined);
    const list = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: quiet.asApp,
    });
    assert.deepEqual(list.body.tickets, []);
    const all = await expectStatus(server, 200, 'GET', '/v1/tickets', { headers: quiet.asApp });
    assert.deepEqual(all.body.tickets, []);
    const triggers = (await eventsOf(server, quiet.id)).map((e) => e.trigger);
    assert.ok(triggers.includes('chats:close'));
    assert.ok(!triggers.includes('system:info'), triggers.join(','));
  });

  it('lists only the app’s own tickets, filtered by externalId', async () => {
    const a = await closedChat(app);
    const b = await closedChat(app);
    const all = await expectStatus(server, 200, 'GET', '/v1/tickets', { headers: app.asApp });
    const chatIds = all.body.tickets.map((t: Json) => t.chatId);
    assert.ok(chatIds.includes(a.chat.id) && chatIds.includes(b.chat.id));
    const onlyA = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${a.chat.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(
      onlyA.body.tickets.map((t: Json) => t.chatId),
      [a.chat.id],
    );
    const none = await expectStatus(server, 200, 'GET', '/v1/tickets?externalId=01UNKNOWNCHAT', {
      headers: app.asApp,
    });
    assert.deepEqual(none.body.tickets, []);
    const theirs = await closedChat(other);
    const foreign = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${theirs.chat.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(foreign.body.tickets, [], 'another app’s ticket is invisible');
    const otherAll = await expectStatus(server, 200, 'GET', '/v1/tickets', { headers: other.asApp });
    assert.deepEqual(
      otherAll.body.tickets.map((t: Json) => t.chatId),
      [theirs.chat.id],
    );
  });

  it('answers 404 for an unknown ticket or another app’s ticket', async () => {
    const { chat } = await closedChat(app);
    const ticket = (
      await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, { headers: app.asApp })
    ).body.tickets[0];
    assertError(await server.request('GET', '/v1/tickets/01UNKNOWNTICKET', { headers: app.asApp }), 404);
    assertError(await server.request('GET', `/v1/tickets/${ticket.id}`, { headers: other.asApp }), 404);
    assertError(
      await server.request('GET', `/v1/tickets/${ticket.id}`, {
        headers: { 'x-hyper-appid': app.id, 'x-hyper-secret': other.secret },
      }),
      401,
    );
    assertError(await server.request('GET', '/v1/tickets/bad%20id', { headers: app.asApp }), 400);
  });

  it('keeps tickets away from tokens, domain keys and anonymous callers', async () => {
    const { chat, user, agent } = await closedChat(app);
    const ticket = (
      await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, { headers: app.asApp })
    ).body.tickets[0];
    for (const token of [user.token, agent.token]) {
      assertError(await server.request('GET', '/v1/tickets', { headers: app.as(token) }), 403);
      assertError(await server.request('GET', `/v1/tickets/${ticket.id}`, { headers: app.as(token) }), 403);
    }
    assertError(await server.request('GET', `/v1/tickets/${ticket.id}`, { headers: app.asKey }), 403);
    assertError(await server.request('GET', `/v1/tickets/${ticket.id}`, { headers: app.asAppId }), 401);
    assertError(await server.request('GET', `/v1/tickets/${ticket.id}`), 401);
    // Query credentials are for media downloads only.
    assertError(
      await server.request('GET', `/v1/tickets/${ticket.id}`, {
        query: { appId: app.id, secret: app.secret },
      }),
      401,
    );
  });
});
