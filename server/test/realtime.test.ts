import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createAgent, createTestApp, createUser, expectStatus } from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { type Client, connect } from './helpers/ws.ts';

const now = () => Math.floor(Date.now() / 1000);

/** Checks the frames of one event on several sockets at once: each gets exactly this next. */
async function allGet(clients: Client[], name: string, data: Json): Promise<string[]> {
  const cursors: string[] = [];
  for (const client of clients) {
    const frame = await client.next(5000, name);
    assert.equal(frame.event, name, `expected ${name}, got ${JSON.stringify(frame)}`);
    assert.deepEqual(frame.data, data);
    assert.equal(typeof frame.cursor, 'string');
    cursors.push(frame.cursor);
  }
  // One event, one position: every socket that hears it gets the same cursor.
  assert.equal(new Set(cursors).size, 1);
  return cursors;
}

describeEachStore('realtime: a whole conversation over WebSockets', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
    await server.sb.listen();
  });
  after(() => server.close());

  it('two users and an agent: create, invite, accept, messages, reads, typing, close — every frame', async () => {
    const app = await createTestApp(server);
    const ada = await createAgent(server, app, { name: 'Ada' });
    const ann = await createUser(server, app, { name: 'Ann' });
    const bob = await createUser(server, app, { name: 'Bob' });

    const adaWs = await connect(server, app, { token: ada.token });
    assert.equal(adaWs.session.user.id, ada.id);
    assert.equal(adaWs.session.user.role, 'agent');
    assert.equal(adaWs.session.user.status, 'online');
    assert.equal(adaWs.session.heartbeat, 25);
    const ann1 = await connect(server, app, { token: ann.token });
    const ann2 = await connect(server, app, { token: ann.token, headers: true });
    const bobWs = await connect(server, app, { token: bob.token });
    assert.equal(ann1.session.user.id, ann.id);
    assert.equal(ann1.session.user.name, 'Ann');
    assert.deepEqual(ann1.session.user.chats, []);
    assert.equal(ann2.session.user.id, ann.id);
    assert.equal(bobWs.session.user.id, bob.id);

    // Ann opens a chat from her first tab: her tabs and the agents of room 1 hear chats:create.
    const create = ann1.request('chats:create', { lang: 'en' });
    const created = await ann1.event('chats:create');
    const chatId = created.chat.id as string;
    assert.deepEqual(created.chat, {
      id: chatId,
      creator: ann.id,
      room: 1,
      lang: 'en',
      source: 3,
      status: 'waiting',
      inQueue: false,
      queuePosition: null,
      priority: 0,
      users: [ann.id],
      created: created.chat.created,
      tags: [],
    });
    const ack = await ann1.ack(create);
    assert.deepEqual(ack, { chat: created.chat });
    assert.deepEqual(await ann2.event('chats:create'), created);
    assert.deepEqual(await adaWs.event('chats:create'), created);

    // The loop invites Ada: only Ada hears invitations:new; nobody ever hears chats:assign.
    const invitation = await adaWs.event('invitations:new');
    assert.equal(invitation.chatId, chatId);
    assert.equal(invitation.userId, ada.id);
    assert.equal(typeof invitation.invitationId, 'string');
    assert.ok(invitation.expires > now());

    const accept = adaWs.request('invitations:accept', { chatId });
    await allGet([adaWs, ann1, ann2], 'invitations:accept', { chatId, userId: ada.id });
    await allGet([adaWs, ann1, ann2], 'chats:join', { chatId, userId: ada.id });
    const accepted = await adaWs.ack(accept);
    assert.equal(accepted.chat.status, 'active');
    assert.deepEqual([...accepted.chat.users].sort(), [ann.id, ada.id].sort());
    assert.equal(accepted.invitation.id, invitation.invitationId);
    assert.equal(accepted.invitation.status, 'accepted');

    // Ann writes; her other tab and Ada hear it. The same clientId again is the same message, once.
    const send = ann1.request('messages:new', { chatId, message: 'Hello, I need help', clientId: 'c-1' });
    const hello = await ann1.event('messages:new');
    assert.deepEqual(Object.keys(hello.message).sort(), [
      'chat',
      'created',
      'id',
      'message',
      'sender',
      'seq',
      'type',
    ]);
    assert.equal(hello.message.chat, chatId);
    assert.equal(hello.message.sender, ann.id);
    assert.equal(hello.message.type, 'text');
    assert.equal(hello.message.message, 'Hello, I need help');
    assert.equal(hello.message.seq, 1);
    const sent = await ann1.ack(send);
    assert.deepEqual(sent.message, hello.message);
    assert.equal(typeof sent.eventId, 'string');
    assert.deepEqual(await ann2.event('messages:new'), hello);
    assert.deepEqual(await adaWs.event('messages:new'), hello);
    const again = await ann2.call('messages:new', { chatId, message: 'Hello, I need help', clientId: 'c-1' });
    assert.deepEqual(again, sent, 'an idempotent repeat answers with the first message');

    // Ada answers.
    const reply = adaWs.request('messages:new', { chatId, message: 'Hi Ann, how can I help?' });
    const hi = await adaWs.event('messages:new');
    assert.equal(hi.message.sender, ada.id);
    assert.equal(hi.message.message, 'Hi Ann, how can I help?');
    assert.equal(hi.message.seq, 2);
    assert.deepEqual((await adaWs.ack(reply)).message, hi.message);
    assert.deepEqual(await ann1.event('messages:new'), hi);
    assert.deepEqual(await ann2.event('messages:new'), hi);

    // Ann reads it on her second tab; reading twice fires once. Ada reads Ann's message.
    const read = ann2.request('messages:read', { messageId: hi.message.id });
    await allGet([ann2, ann1, adaWs], 'messages:read', { messageId: hi.message.id, chatId, userId: ann.id });
    assert.deepEqual(await ann2.ack(read), {
      message: { id: hi.message.id, chat: chatId, sender: ada.id },
      userId: ann.id,
    });
    const readAgain = await ann1.call('messages:read', { messageId: hi.message.id });
    assert.equal(readAgain.userId, ann.id);
    const adaRead = adaWs.request('messages:read', { messageId: hello.message.id });
    await allGet([adaWs, ann1, ann2], 'messages:read', {
      messageId: hello.message.id,
      chatId,
      userId: ada.id,
    });
    await adaWs.ack(adaRead);

    // Typing: Ada writes, then stops; Ann writes and lets it lapse — it turns into not-writing.
    const typing = adaWs.request('users:activity', { chatId, type: 'writing' });
    await allGet([adaWs, ann1, ann2], 'users:activity', { chatId, userId: ada.id, type: 'writing' });
    assert.deepEqual(await adaWs.ack(typing), { success: true });
    const stop = adaWs.request('users:activity', { chatId, type: 'not-writing' });
    await allGet([adaWs, ann1, ann2], 'users:activity', { chatId, userId: ada.id, type: 'not-writing' });
    await adaWs.ack(stop);
    const annTyping = ann1.request('users:activity', { chatId, type: 'writing' });
    await allGet([ann1, ann2, adaWs], 'users:activity', { chatId, userId: ann.id, type: 'writing' });
    await ann1.ack(annTyping);
    const timer = await server.sb.store.db
      .selectFrom('timers')
      .selectAll()
      .where('kind', '=', 'typing.expire')
      .where('ref', '=', `${chatId}:${ann.id}`)
      .executeTakeFirstOrThrow();
    const delay = timer.due - Date.now();
    assert.ok(delay > 9000 && delay <= 10000, `not-writing is due in 10 s, got ${delay} ms`);
    await ann1.expectQuiet(300);
    // Let the 10 s pass at once: the durable timer fires and everybody hears not-writing.
    await server.sb.store.db
      .updateTable('timers')
      .set({ due: Date.now() })
      .where('kind', '=', 'typing.expire')
      .where('ref', '=', `${chatId}:${ann.id}`)
      .execute();
    await server.sb.timers.runDue();
    await allGet([ann1, ann2, adaWs], 'users:activity', { chatId, userId: ann.id, type: 'not-writing' });

    // Ann closes the chat: the close and the ticket, to everybody in it.
    const close = ann1.request('chats:close', { chatId });
    await allGet([ann1, ann2, adaWs], 'chats:close', { chatId, userId: ann.id });
    const info = await ann1.event('system:info');
    assert.equal(info.chatId, chatId);
    assert.equal(info.data.type, 'ticket');
    assert.equal(typeof info.data.ticketId, 'string');
    assert.deepEqual(await ann2.event('system:info'), info);
    assert.deepEqual(await adaWs.event('system:info'), info);
    const closed = await ann1.ack(close);
    assert.equal(closed.chat.status, 'closed');
    assert.equal(closed.chat.closedBy, ann.id);

    // Nothing else reached anyone; Bob, in no chat and no room, heard nothing at all.
    await Promise.all([ann1.expectQuiet(), ann2.expectQuiet(), adaWs.expectQuiet(), bobWs.expectQuiet()]);
    assert.deepEqual(
      bobWs.received.map((f) => f.event),
      ['session'],
    );
    for (const client of [ann1, ann2, adaWs, bobWs]) {
      assert.ok(!client.received.some((f) => f.event === 'chats:assign'), 'chats:assign is never sent');
    }
    // Cursors grow along each stream.
    const annCursors = ann1.received.filter((f) => f.cursor).map((f) => f.cursor as string);
    assert.equal(new Set(annCursors).size, annCursors.length);
    await Promise.all([ann1.close(), ann2.close(), adaWs.close(), bobWs.close()]);
  });

  it('a REST change reaches the sockets too, and the app server socket hears the whole app', async () => {
    const app = await createTestApp(server);
    const ada = await createAgent(server, app, { rooms: [1] });
    const ann = await createUser(server, app);
    const appWs = await connect(server, app, { secret: app.secret });
    assert.equal(appWs.session.user, null);
    const annWs = await connect(server, app, { token: ann.token });
    const chat = await expectStatus(server, 201, 'POST', '/v1/chats', {
      headers: app.as(ann.token),
      body: {},
    });
    const chatId = chat.body.chat.id as string;
    assert.equal((await annWs.event('chats:create')).chat.id, chatId);
    assert.equal((await appWs.event('chats:create')).chat.id, chatId);
    const invitation = await appWs.event('invitations:new');
    assert.equal(invitation.userId, ada.id);
    await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
      headers: app.as(ada.token),
      body: { chatId },
    });
    for (const client of [appWs, annWs]) {
      assert.deepEqual(await client.event('invitations:accept'), { chatId, userId: ada.id });
      assert.deepEqual(await client.event('chats:join'), { chatId, userId: ada.id });
    }
    await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.asApp,
      body: { message: 'Welcome' },
    });
    for (const client of [appWs, annWs]) {
      const { message } = await client.event('messages:new');
      assert.equal(message.sender, 'system');
      assert.equal(message.type, 'system');
    }
    // With the secret, requests act as the app server (here: on behalf of a named user).
    const typed = appWs.request('users:activity', { chatId, userId: ann.id, type: 'writing' });
    assert.deepEqual(await appWs.event('users:activity'), { chatId, userId: ann.id, type: 'writing' });
    assert.deepEqual(await appWs.ack(typed), { success: true });
    assert.deepEqual(await annWs.event('users:activity'), { chatId, userId: ann.id, type: 'writing' });
    await Promise.all([annWs.expectQuiet(), appWs.expectQuiet()]);
    await Promise.all([annWs.close(), appWs.close()]);
  });
});
