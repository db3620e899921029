import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { endUserView, firstCursor, leaksOf } from './helpers/end-user-view.ts';
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
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { okHandler, type Receiver, startReceiver } from './helpers/receiver.ts';
import { nextEvent, stream } from './helpers/stream.ts';
import { registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';
import { type Client, connect, type Frame } from './helpers/ws.ts';

/**
 * Internal notes (docs/security.md, "Internal notes"): written by agents and the app server, heard
 * by agents, the event stream and webhooks, and never by anything an end user's token reaches.
 */
describeEachStore('internal notes', (kind) => {
  let server: TestServer;
  let receiver: Receiver;
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
    receiver = await startReceiver(okHandler);
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  interface Scene {
    app: TestApp;
    user: Person;
    agent: Person;
    agent2: Person;
    chat: Json;
  }

  /** A fresh app with one chat: an end user and two agents who joined it. */
  async function scene(): Promise<Scene> {
    const app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    const user = await createUser(server, app);
    const agent = await createAgent(server, app);
    const agent2 = await createAgent(server, app);
    const chat = await createChat(server, app, user);
    for (const a of [agent, agent2])
      await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, { headers: app.as(a.token) });
    return { app, user, agent, agent2, chat };
  }

  async function send(chatId: string, headers: Record<string, string>, body: Json): Promise<Json> {
    return (await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, { headers, body })).body;
  }

  async function storedMessages(chatId: string) {
    return server.sb.store.db
      .selectFrom('messages')
      .select(['body', 'visibility', 'seq'])
      .where('chatId', '=', chatId)
      .orderBy('seq')
      .execute();
  }

  /** Frames of `client` until the `messages:new` carrying `text`; fails if it never comes. */
  async function framesUntil(client: Client, text: string): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (;;) {
      const frame = await client.next(5000, `the message ${text}`);
      frames.push(frame);
      if (frame.event === 'messages:new' && frame.data.message.message === text) return frames;
    }
  }

  it('an agent and the app server write notes; the message carries visibility agents', async () => {
    const { app, agent, chat } = await scene();
    const byAgent = await send(chat.id, app.as(agent.token), { message: 'agent note', visibility: 'agents' });
    assert.equal(byAgent.message.visibility, 'agents');
    assert.equal(byAgent.message.sender, agent.id);
    const byApp = await send(chat.id, app.asApp, { message: 'app note', visibility: 'agents' });
    assert.equal(byApp.message.visibility, 'agents');
    assert.equal(byApp.message.sender, 'system');
    // `all` is an ordinary message, which carries no visibility (absent = all).
    const plain = await send(chat.id, app.as(agent.token), { message: 'plain', visibility: 'all' });
    assert.equal('visibility' in plain.message, false);
    assert.deepEqual(
      (await storedMessages(chat.id)).map((m) => [m.body, m.visibility]),
      [
        ['agent note', 'agents'],
        ['app note', 'agents'],
        ['plain', 'all'],
      ],
    );
  });

  it('a supervisor of the room (taking part, or watching: a whisper) and an admin person write notes', async () => {
    const { app, chat } = await scene();
    const supervisor = await createAgent(server, app, { role: 'supervisor' });
    const admin = await createAgent(server, app, { role: 'admin' });
    // Neither takes part nor watches yet: refused, nothing stored.
    for (const person of [supervisor, admin])
      assertError(
        await server.request('POST', `/v1/chats/${chat.id}/messages`, {
          headers: app.as(person.token),
          body: { message: 'early', visibility: 'agents' },
        }),
        403,
      );
    assert.equal((await storedMessages(chat.id)).length, 0);
    for (const person of [supervisor, admin])
      await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/watchers`, {
        headers: app.as(person.token),
      });
    const bySupervisor = await send(chat.id, app.as(supervisor.token), {
      message: 'supervisor note',
      visibility: 'agents',
    });
    assert.equal(bySupervisor.message.sender, supervisor.id);
    const byAdmin = await send(chat.id, app.as(admin.token), { message: 'admin note', visibility: 'agents' });
    assert.equal(byAdmin.message.sender, admin.id);
    assert.deepEqual(
      (await storedMessages(chat.id)).map((m) => [m.body, m.visibility]),
      [
        ['supervisor note', 'agents'],
        ['admin note', 'agents'],
      ],
    );
    // Once it takes part (intervene), a supervisor writes notes as any agent in the chat.
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/intervene`, {
      headers: app.as(supervisor.token),
    });
    const inChat = await send(chat.id, app.as(supervisor.token), {
      message: 'still a note',
      visibility: 'agents',
    });
    assert.equal(inChat.message.visibility, 'agents');
  });

  it('an end user cannot send a note, by REST or socket: 403, nothing stored', async () => {
    const { app, user, chat } = await scene();
    const before = await storedMessages(chat.id);
    const seqBefore = (await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, { headers: app.asApp }))
      .body.chat;
    const res = await server.request('POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: 'sneaky', visibility: 'agents' },
    });
    assertError(res, 403, /internal notes/);
    // With a clientId too (the repeat lookup comes first on that path).
    const again = await server.request('POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      body: { message: 'sneaky', visibility: 'agents', clientId: 'c-1' },
    });
    assertError(again, 403, /internal notes/);
    const socket = await connect(server, app, { token: user.token });
    const id = socket.request('messages:new', { chatId: chat.id, message: 'sneaky', visibility: 'agents' });
    await socket.ackError(id, 403, /internal notes/);
    await socket.close();
    assert.deepEqual(await storedMessages(chat.id), before);
    const after = (await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}`, { headers: app.asApp }))
      .body.chat;
    assert.deepEqual(after, seqBefore, 'the chat did not move');
    const bad = await server.request('POST', `/v1/chats/${chat.id}/messages`, {
      headers: app.asApp,
      body: { message: 'x', visibility: 'everyone' },
    });
    assertError(bad, 400);
  });

  it('sockets: agents hear a note with visibility, the end user hears nothing of it', async () => {
    const { app, user, agent, agent2, chat } = await scene();
    const userWs = await connect(server, app, { token: user.token });
    const agentWs = await connect(server, app, { token: agent2.token });
    const appWs = await connect(server, app, { secret: app.secret });
    await send(chat.id, app.as(agent.token), { message: 'NOTE-WS', visibility: 'agents' });
    await send(chat.id, app.as(agent.token), { message: 'after' });
    const heard = await framesUntil(agentWs, 'after');
    const note = heard.find((f) => f.event === 'messages:new' && f.data.message.message === 'NOTE-WS');
    assert.equal(note?.data.message.visibility, 'agents');
    const byApp = await framesUntil(appWs, 'after');
    assert.ok(
      byApp.some((f) => f.data?.message?.message === 'NOTE-WS'),
      'the app server hears it',
    );
    const userFrames = await framesUntil(userWs, 'after');
    assert.deepEqual(
      leaksOf(
        userFrames.map((f) => JSON.stringify(f)),
        ['NOTE-WS'],
      ),
      [],
    );
    // A read receipt about the note: agents hear it, the end user does not; the end user cannot read it.
    const noteId = note.data.message.id as string;
    await expectStatus(server, 200, 'PUT', `/v1/messages/${noteId}/read`, { headers: app.as(agent2.token) });
    const receipt = await agentWs.next(5000, 'the receipt');
    assert.equal(receipt.event, 'messages:read');
    assert.equal(receipt.data.messageId, noteId);
    assertError(
      await server.request('PUT', `/v1/messages/${noteId}/read`, { headers: app.as(user.token) }),
      404,
    );
    await send(chat.id, app.as(agent.token), { message: 'after receipt' });
    const later = await framesUntil(userWs, 'after receipt');
    assert.deepEqual(
      leaksOf(
        later.map((f) => JSON.stringify(f)),
        [noteId],
      ),
      [],
      'no receipt of the note',
    );
    // A reconnect that replays the whole log: the agent gets the note back, the end user never.
    const agentBack = await connect(server, app, { token: agent2.token, cursor: firstCursor(app.id) });
    const replayedToAgent = await framesUntil(agentBack, 'after receipt');
    assert.ok(replayedToAgent.some((f) => f.data?.message?.message === 'NOTE-WS'));
    assert.ok(replayedToAgent.some((f) => f.event === 'messages:read' && f.data.messageId === noteId));
    const userBack = await connect(server, app, { token: user.token, cursor: firstCursor(app.id) });
    const replayedToUser = await framesUntil(userBack, 'after receipt');
    assert.deepEqual(
      leaksOf(
        replayedToUser.map((f) => JSON.stringify(f)),
        ['NOTE-WS', noteId],
      ),
      [],
    );
    await Promise.all([userWs, agentWs, appWs, agentBack, userBack].map((s) => s.close()));
  });

  it('REST reads and the history export: agents and the app see notes, the end user never', async () => {
    const { app, user, agent, chat } = await scene();
    await send(chat.id, app.as(user.token), { message: 'hello' });
    await send(chat.id, app.as(agent.token), { message: 'NOTE-REST', visibility: 'agents' });
    await send(chat.id, app.as(agent.token), { message: 'hi there' });
    const texts = (res: Json) => res.body.messages.map((m: Json) => m.message);
    const asUser = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
    });
    assert.deepEqual(texts(asUser), ['hello', 'hi there']);
    // A page is filled with visible messages: a limit of 2 still gives 2.
    const page = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/messages`, {
      headers: app.as(user.token),
      query: { limit: '2' },
    });
    assert.deepEqual(texts(page), ['hello', 'hi there']);
    for (const headers of [app.as(agent.token), app.asApp]) {
      const res = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/messages`, { headers });
      assert.deepEqual(texts(res), ['hello', 'NOTE-REST', 'hi there']);
      assert.equal(res.body.messages[1].visibility, 'agents');
    }
    const history = (headers: Record<string, string>) =>
      expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/history`, { headers });
    assert.deepEqual(
      (await history(app.as(user.token))).body.history.map((l: Json) => l.message),
      ['hello', 'hi there'],
    );
    const agentHistory = (await history(app.as(agent.token))).body.history;
    assert.deepEqual(
      agentHistory.map((l: Json) => [l.message, l.visibility]),
      [
        ['hello', undefined],
        ['NOTE-REST', 'agents'],
        ['hi there', undefined],
      ],
    );
    // The CSV download is a file that leaves the server: no notes, whoever downloads it.
    for (const headers of [app.as(user.token), app.as(agent.token), app.asApp]) {
      const csv = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/history`, {
        headers,
        query: { format: 'csv' },
      });
      assert.match(csv.text, /hi there/);
      assert.doesNotMatch(csv.text, /NOTE-REST/);
    }
  });

  it('the ticket a close leaves holds no note in its transcript', async () => {
    const { app, user, agent, chat } = await scene();
    await send(chat.id, app.as(user.token), { message: 'my order' });
    await send(chat.id, app.as(agent.token), { message: 'NOTE-TICKET', visibility: 'agents' });
    await send(chat.id, app.as(agent.token), { message: 'done' });
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.as(agent.token) });
    const tickets = await expectStatus(server, 200, 'GET', `/v1/tickets?externalId=${chat.id}`, {
      headers: app.asApp,
    });
    const transcript = tickets.body.tickets[0].transcript as Json[];
    assert.deepEqual(
      transcript.map((m) => m.message),
      ['my order', 'done'],
    );
  });

  it('the event stream and webhooks carry the note with its visibility', async () => {
    const { app, agent, chat } = await scene();
    await registerWebhook(server, app, receiver.url, ['messages:new']);
    const feed = await stream(server, app, { events: 'messages:new' });
    const sent = await send(chat.id, app.as(agent.token), { message: 'NOTE-OUT', visibility: 'agents' });
    const frame = await nextEvent(feed, 'messages:new');
    assert.equal(frame.data.message.id, sent.message.id);
    assert.equal(frame.data.message.visibility, 'agents');
    const delivered = await waitFor(
      async () =>
        receiver
          .deliveries()
          .find((r) => (r.json as Json | undefined)?.data?.message?.id === sent.message.id),
      10000,
      'the webhook',
    );
    assert.equal((delivered.json as Json).data.message.visibility, 'agents');
    await feed.close();
  });

  it('nothing an end user can reach, route by route and frame by frame, holds a note', async () => {
    const { app, user, agent, agent2, chat } = await scene();
    const markers: string[] = [];
    const note = async (headers: Record<string, string>) => {
      const marker = `NOTE-${markers.length}-${Math.random().toString(36).slice(2)}`;
      markers.push(marker);
      return send(chat.id, headers, { message: marker, visibility: 'agents' });
    };
    await send(chat.id, app.as(user.token), { message: 'hello' });
    const first = await note(app.as(agent.token));
    await note(app.asApp);
    await expectStatus(server, 200, 'PUT', `/v1/messages/${first.message.id}/read`, {
      headers: app.as(agent2.token),
    });
    await send(chat.id, app.as(agent.token), { message: 'visible' });
    const ids = [chat.id, user.id, agent.id, first.message.id];
    const view = await endUserView(server, app, user, ids);
    assert.ok(view.routes >= 10, `${view.routes} GET routes`);
    assert.deepEqual(leaksOf([...view.reads, ...view.frames], [...markers, first.message.id]), []);
    // The same collection made for an agent finds the notes: the search can fail.
    const agentView = await endUserView(server, app, agent, ids);
    assert.ok(leaksOf([...agentView.reads, ...agentView.frames], markers).length > 0);
    assert.ok(
      view.reads.some((r) => r.text.includes('visible')),
      'the end user did read the chat',
    );
  });
});
