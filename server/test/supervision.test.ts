import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertUnchanged, snapshotApp } from './helpers/dataset.ts';
import { endUserView, firstCursor, leaksOf } from './helpers/end-user-view.ts';
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
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { okHandler, type Receiver, startReceiver } from './helpers/receiver.ts';
import { registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';
import { type Client, connect, type Frame } from './helpers/ws.ts';

/**
 * Supervision (docs/people.md, "Supervision"): watching a chat silently, whispering (a watcher's
 * internal note) and intervening, on both stores.
 */

const ROOMS = {
  assign: { onCreate: false },
  rooms: [
    { id: 1, name: 'General' },
    { id: 2, name: 'Sales' },
  ],
};

describeEachStore('supervision', (kind) => {
  let server: TestServer;
  let receiver: Receiver;
  let app: TestApp;
  let other: TestApp;
  /** Room 1's agent (joins every scene's chat), room 2's agent, supervisors of rooms 1 and 2, an admin. */
  let agent: Person;
  let agentOther: Person;
  let supervisor: Person;
  let supervisorOther: Person;
  let admin: Person;

  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
    receiver = await startReceiver(okHandler);
    app = await createTestApp(server, 'Supervised');
    other = await createTestApp(server, 'Elsewhere');
    for (const a of [app, other])
      await expectStatus(server, 200, 'PUT', '/v1/settings', { headers: a.asApp, body: ROOMS });
    agent = await createAgent(server, app, { rooms: [1], maxChats: 100 });
    agentOther = await createAgent(server, app, { rooms: [2] });
    supervisor = await createAgent(server, app, { rooms: [1], role: 'supervisor', maxChats: 1 });
    supervisorOther = await createAgent(server, app, { rooms: [2], role: 'supervisor' });
    admin = await createAgent(server, app, { rooms: [2], role: 'admin' });
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  /** A fresh end user's chat in room 1, which `agent` joined. */
  async function scene(): Promise<{ user: Person; chat: Json }> {
    const user = await createUser(server, app);
    const chat = await createChat(server, app, user, { room: 1 });
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, { headers: app.as(agent.token) });
    return { user, chat };
  }

  const send = async (chatId: string, headers: Record<string, string>, body: Json) =>
    (await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, { headers, body })).body;

  /** Frames of `client` until the `messages:new` carrying `text`. */
  async function framesUntil(client: Client, text: string): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (;;) {
      const frame = await client.next(5000, `the message ${text}`);
      frames.push(frame);
      if (frame.event === 'messages:new' && frame.data.message.message === text) return frames;
    }
  }

  /** The data of the next `name` event of `client`, skipping others (presence, queues). */
  async function until(client: Client, name: string): Promise<Json> {
    for (;;) {
      const frame = await client.next(5000, name);
      if (frame.event === name) return frame.data;
    }
  }

  const activeChats = async (id: string) =>
    (
      await server.sb.store.db
        .selectFrom('users')
        .select('activeChats')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).activeChats;

  it('a watcher hears messages and notes, whispers without joining; the end user sees neither it nor a note', async () => {
    const { user, chat } = await scene();
    const watcherWs = await connect(server, app, { token: supervisor.token });
    const agentWs = await connect(server, app, { token: agent.token });
    const userWs = await connect(server, app, { token: user.token });
    const watched = await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/watchers`, {
      headers: app.as(supervisor.token),
    });
    assert.deepEqual(
      watched.body.chat.watchers.map((u: Json) => u.id),
      [supervisor.id],
    );
    assert.deepEqual(
      watched.body.chat.users.sort(),
      [user.id, agent.id].sort(),
      'a watcher is no participant',
    );
    await send(chat.id, app.as(user.token), { message: 'VISITOR-1' });
    await send(chat.id, app.as(agent.token), { message: 'NOTE-1', visibility: 'agents' });
    const whisper = await send(chat.id, app.as(supervisor.token), {
      message: 'WHISPER-1',
      visibility: 'agents',
    });
    assert.equal(whisper.message.sender, supervisor.id);
    assert.equal(whisper.message.visibility, 'agents');
    // A watcher's ordinary message is refused: it does not take part.
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(supervisor.token),
        body: { message: 'loud' },
      }),
      403,
    );
    await send(chat.id, app.as(agent.token), { message: 'AGENT-1' });
    const heard = await framesUntil(watcherWs, 'AGENT-1');
    const texts = heard.filter((f) => f.event === 'messages:new').map((f) => f.data.message.message);
    assert.deepEqual(texts, ['VISITOR-1', 'NOTE-1', 'WHISPER-1', 'AGENT-1']);
    const agentHeard = await framesUntil(agentWs, 'AGENT-1');
    assert.ok(
      agentHeard.some((f) => f.data?.message?.message === 'WHISPER-1'),
      'the agent hears the whisper',
    );
    const userFrames = (await framesUntil(userWs, 'AGENT-1')).map((f) => JSON.stringify(f));
    assert.deepEqual(leaksOf(userFrames, ['NOTE-1', 'WHISPER-1', supervisor.id]), []);
    // Reads: everything an end user's token reaches, and a replay of the whole log.
    const view = await endUserView(server, app, user, [chat.id, supervisor.id]);
    // The supervisor's own profile is public to whoever names its id (GET /agents/{id}): not about the watch.
    const chatReads = view.reads.filter((r) => !r.where.includes(`/${supervisor.id}`));
    const leaks = leaksOf([...chatReads, ...view.frames], ['NOTE-1', 'WHISPER-1', supervisor.id]);
    assert.deepEqual(leaks, []);
    assert.ok(
      view.reads.some((r) => r.text.includes('VISITOR-1')),
      'the end user did read the chat',
    );
    const asUser = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}?fields=users,watchers`, {
      headers: app.as(user.token),
    });
    assert.equal('watchers' in asUser.body.chat, false, 'no watchers field for an end user');
    // A watcher's reconnect replays what it heard: the audience was stored with each event.
    const back = await connect(server, app, { token: supervisor.token, cursor: firstCursor(app.id) });
    const replayed = (await framesUntil(back, 'AGENT-1')).filter((f) => f.event === 'messages:new');
    assert.deepEqual(
      replayed.map((f) => f.data.message.message),
      ['VISITOR-1', 'NOTE-1', 'WHISPER-1', 'AGENT-1'],
    );
    await back.close();
    await Promise.all([watcherWs, agentWs, userWs].map((s) => s.close()));
  });

  it('fields=watchers over REST and chats:get; re-watching changes nothing; stop; a closed chat ends watches', async () => {
    const { user, chat } = await scene();
    for (let i = 0; i < 2; i++)
      await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/watchers`, {
        headers: app.asApp,
        body: { userId: supervisor.id },
      });
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/watchers`, {
      headers: app.as(admin.token),
    });
    const got = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}?fields=watchers`, {
      headers: app.as(agent.token),
    });
    assert.deepEqual(
      got.body.chat.watchers.map((u: Json) => u.id),
      [supervisor.id, admin.id],
    );
    const ws = await connect(server, app, { token: supervisor.token });
    const ack = await ws.call('chats:get', { chatId: chat.id, fields: 'watchers' });
    assert.deepEqual(
      ack.chat.watchers.map((u: Json) => u.id),
      [supervisor.id, admin.id],
    );
    const userWs = await connect(server, app, { token: user.token });
    const userAck = await userWs.call('chats:get', { chatId: chat.id, fields: 'watchers' });
    assert.equal('watchers' in userAck.chat, false);
    await userWs.close();
    // A supervisor stops its own watch; twice changes nothing.
    for (let i = 0; i < 2; i++) {
      const stopped = await expectStatus(
        server,
        200,
        'DELETE',
        `/v1/chats/${chat.id}/watchers/${supervisor.id}`,
        {
          headers: app.as(supervisor.token),
        },
      );
      assert.deepEqual(
        stopped.body.chat.watchers.map((u: Json) => u.id),
        [admin.id],
      );
    }
    await send(chat.id, app.as(user.token), { message: 'UNHEARD' });
    assert.deepEqual(
      leaksOf(
        (await ws.drain(300)).map((f) => JSON.stringify(f)),
        ['UNHEARD'],
      ),
      [],
    );
    // A closed chat: its watchers hear it close, then the watch is over; watching it is a 409.
    const adminWs = await connect(server, app, { token: admin.token });
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.as(agent.token) });
    const close = await until(adminWs, 'chats:close');
    assert.equal(close.chatId, chat.id);
    const afterClose = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}?fields=watchers`, {
      headers: app.asApp,
    });
    assert.deepEqual(afterClose.body.chat.watchers, []);
    assertError(
      await server.request('POST', `/v1/chats/${chat.id}/watchers`, { headers: app.as(supervisor.token) }),
      409,
    );
    // A participant does not watch; an end user is never a watcher.
    const next = await scene();
    assertError(
      await server.request('POST', `/v1/chats/${next.chat.id}/watchers`, {
        headers: app.asApp,
        body: { userId: agent.id },
      }),
      409,
    );
    assertError(
      await server.request('POST', `/v1/chats/${next.chat.id}/watchers`, {
        headers: app.asApp,
        body: { userId: next.user.id },
      }),
      403,
    );
    assertError(
      await server.request('POST', `/v1/chats/${next.chat.id}/watchers`, { headers: app.asApp }),
      400,
    );
    await Promise.all([ws.close(), adminWs.close()]);
  });

  it('watching takes no slot: capacity and routing ignore watchers; deactivation, a role or room change ends the watch', async () => {
    const watchedChats: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { chat } = await scene();
      await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/watchers`, {
        headers: app.as(supervisor.token),
      });
      watchedChats.push(chat.id);
    }
    assert.equal(await activeChats(supervisor.id), 0, 'three watches, maxChats 1, no slot taken');
    const available = await expectStatus(server, 200, 'GET', '/v1/agents/available?roomIds=1', {
      headers: app.asApp,
    });
    assert.ok(available.body.agents['1'] >= 2, 'the supervisor still has its free slot');
    const chat = await expectStatus(server, 200, 'GET', `/v1/chats/${watchedChats[0]}`, {
      headers: app.asApp,
    });
    assert.deepEqual(chat.body.chat.users.length, 2);
    // A deactivated watcher stops watching everything.
    const temp = await createAgent(server, app, { rooms: [1], role: 'supervisor' });
    await expectStatus(server, 200, 'POST', `/v1/chats/${watchedChats[1]}/watchers`, {
      headers: app.as(temp.token),
    });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${temp.id}`, {
      headers: app.asApp,
      body: { active: false },
    });
    const left = await server.sb.store.db
      .selectFrom('chatWatchers')
      .select('chatId')
      .where('userId', '=', temp.id)
      .execute();
    assert.deepEqual(left, []);
    // A supervisor moved to another room, or made a plain agent, stops watching what it no longer oversees.
    const moved = await createAgent(server, app, { rooms: [1], role: 'supervisor' });
    for (const id of watchedChats.slice(0, 2))
      await expectStatus(server, 200, 'POST', `/v1/chats/${id}/watchers`, { headers: app.as(moved.token) });
    const watchedBy = async (id: string) =>
      (
        await server.sb.store.db
          .selectFrom('chatWatchers')
          .select('chatId')
          .where('userId', '=', id)
          .execute()
      ).length;
    await expectStatus(server, 200, 'PUT', `/v1/agents/${moved.id}`, {
      headers: app.asApp,
      body: { rooms: [1, 2] },
    });
    assert.equal(await watchedBy(moved.id), 2, 'still a supervisor of room 1');
    await expectStatus(server, 200, 'PUT', `/v1/agents/${moved.id}`, {
      headers: app.asApp,
      body: { rooms: [2] },
    });
    assert.equal(await watchedBy(moved.id), 0, 'room 1 is no longer its');
    await expectStatus(server, 200, 'PUT', `/v1/agents/${moved.id}`, {
      headers: app.asApp,
      body: { rooms: [1] },
    });
    await expectStatus(server, 200, 'POST', `/v1/chats/${watchedChats[0]}/watchers`, {
      headers: app.as(moved.token),
    });
    await expectStatus(server, 200, 'PUT', `/v1/agents/${moved.id}`, {
      headers: app.asApp,
      body: { role: 'agent' },
    });
    assert.equal(await watchedBy(moved.id), 0, 'a plain agent oversees nothing');
    const count = await expectStatus(server, 200, 'GET', `/v1/chats/${watchedChats[0]}?fields=watchers`, {
      headers: app.asApp,
    });
    assert.deepEqual(
      count.body.chat.watchers.map((u: Json) => u.id),
      [supervisor.id],
    );
    for (const id of watchedChats)
      await expectStatus(server, 200, 'DELETE', `/v1/chats/${id}/watchers/${supervisor.id}`, {
        headers: app.as(supervisor.token),
      });
  });

  it('intervene: the other agents leave, the caller joins past its capacity, one chats:intervened everywhere', async () => {
    const { user, chat } = await scene();
    // The supervisor already serves a chat: at maxChats 1 its hand is full.
    const busy = await scene();
    await expectStatus(server, 200, 'POST', `/v1/chats/${busy.chat.id}/join`, {
      headers: app.as(supervisor.token),
    });
    assert.equal(await activeChats(supervisor.id), 1);
    const hook = await registerWebhook(server, app, receiver.url, ['chats:intervened']);
    const watcherWs = await connect(server, app, { token: admin.token });
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/watchers`, {
      headers: app.as(admin.token),
    });
    const agentWs = await connect(server, app, { token: agent.token });
    const userWs = await connect(server, app, { token: user.token });
    const agentBefore = await activeChats(agent.id);
    const res = await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/intervene`, {
      headers: app.as(supervisor.token),
    });
    assert.deepEqual(res.body.chat.users.sort(), [user.id, supervisor.id].sort());
    assert.equal(res.body.chat.status, 'active');
    assert.equal(await activeChats(supervisor.id), 2, 'past its capacity');
    assert.equal(await activeChats(agent.id), agentBefore - 1, 'the agent got its slot back');
    const events = (await eventsOf(server, app.id)).filter((e) => e.chatId === chat.id);
    const tail = events.slice(-3).map((e) => [e.trigger, e.data]);
    assert.deepEqual(tail, [
      ['chats:leave', { chatId: chat.id, userId: agent.id }],
      ['chats:join', { chatId: chat.id, userId: supervisor.id }],
      ['chats:intervened', { chatId: chat.id, interventor: supervisor.id, intervenedUsers: [agent.id] }],
    ]);
    assert.equal(events.filter((e) => e.trigger === 'chats:intervened').length, 1);
    for (const socket of [agentWs, userWs, watcherWs]) {
      const frame = await until(socket, 'chats:intervened');
      assert.deepEqual(frame, { chatId: chat.id, interventor: supervisor.id, intervenedUsers: [agent.id] });
    }
    const delivered = await waitFor(
      async () => receiver.deliveries().find((r) => (r.json as Json | undefined)?.data?.chatId === chat.id),
      10000,
      'the chats:intervened delivery',
    );
    assert.equal((delivered.json as Json).trigger, 'chats:intervened');
    assert.equal(delivered.headers['webhook-id'] !== undefined, true);
    assert.ok(hook.id);
    // The agent who left hears the chat no more; the supervisor now takes part.
    await send(chat.id, app.as(user.token), { message: 'AFTER-INTERVENTION' });
    assert.deepEqual(
      leaksOf(
        (await agentWs.drain(300)).map((f) => JSON.stringify(f)),
        ['AFTER-INTERVENTION'],
      ),
      [],
    );
    await send(chat.id, app.as(supervisor.token), { message: 'supervisor here' });
    // Intervening again changes nothing and fires nothing.
    const count = (await eventsOf(server, app.id)).length;
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/intervene`, {
      headers: app.as(supervisor.token),
    });
    assert.equal((await eventsOf(server, app.id)).length, count);
    await Promise.all([watcherWs, agentWs, userWs].map((s) => s.close()));
    for (const id of [chat.id, busy.chat.id])
      await expectStatus(server, 200, 'DELETE', `/v1/chats/${id}`, { headers: app.asApp });
  });

  it('who may call the supervision routes, credential kind by credential kind; a refusal changes nothing', async () => {
    type Caller =
      | 'endUser'
      | 'agent'
      | 'agentOther'
      | 'supervisor'
      | 'supervisorOther'
      | 'admin'
      | 'secret'
      | 'otherApp';
    const routes: Array<{
      name: string;
      call: (chatId: string, headers: Record<string, string>, named: Json) => Promise<{ status: number }>;
      expect: Record<Caller, number>;
    }> = [
      {
        name: 'POST /chats/{id}/watchers',
        call: (chatId, headers, named) =>
          server.request('POST', `/v1/chats/${chatId}/watchers`, { headers, body: named }),
        expect: {
          endUser: 403,
          agent: 403,
          agentOther: 404,
          supervisor: 200,
          supervisorOther: 404,
          admin: 200,
          secret: 200,
          otherApp: 404,
        },
      },
      {
        name: 'DELETE /chats/{id}/watchers/{userId}',
        call: (chatId, headers) =>
          server.request('DELETE', `/v1/chats/${chatId}/watchers/${supervisor.id}`, { headers }),
        expect: {
          endUser: 403,
          agent: 403,
          agentOther: 404,
          supervisor: 200,
          supervisorOther: 404,
          admin: 200,
          secret: 200,
          otherApp: 404,
        },
      },
      {
        name: 'POST /chats/{id}/intervene',
        call: (chatId, headers, named) =>
          server.request('POST', `/v1/chats/${chatId}/intervene`, { headers, body: named }),
        expect: {
          endUser: 403,
          agent: 403,
          agentOther: 404,
          supervisor: 200,
          supervisorOther: 404,
          admin: 200,
          secret: 200,
          otherApp: 404,
        },
      },
    ];
    const failures: string[] = [];
    for (const route of routes) {
      for (const [caller, want] of Object.entries(route.expect) as Array<[Caller, number]>) {
        const { user, chat } = await scene();
        // The DELETE has a watch to stop.
        await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/watchers`, {
          headers: app.asApp,
          body: { userId: supervisor.id },
        });
        const headers = {
          endUser: app.as(user.token),
          agent: app.as(agent.token),
          agentOther: app.as(agentOther.token),
          supervisor: app.as(supervisor.token),
          supervisorOther: app.as(supervisorOther.token),
          admin: app.as(admin.token),
          secret: app.asApp,
          otherApp: other.asApp,
        }[caller];
        const named = caller === 'secret' || caller === 'otherApp' ? { userId: supervisor.id } : {};
        const before = await snapshotApp(server, app.id);
        const res = await route.call(chat.id, headers, named);
        if (res.status !== want) failures.push(`${route.name} as ${caller}: ${res.status}, expected ${want}`);
        if (want >= 400) {
          assertError(res as never, want);
          await assertUnchanged(server, app.id, before);
        }
        await expectStatus(server, 200, 'DELETE', `/v1/chats/${chat.id}`, { headers: app.asApp });
      }
    }
    assert.deepEqual(failures, []);
  });
});
