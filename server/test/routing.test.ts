import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';

type Event = { trigger: string; data: Json; chatId: string | null };

/** Events of one chat from the outbox, oldest first. */
async function chatEvents(server: TestServer, app: TestApp, chatId: string): Promise<Event[]> {
  return (await eventsOf(server, app.id)).filter((e) => e.chatId === chatId);
}

function triggers(events: Event[]): string[] {
  return events.map((e) => e.trigger);
}

async function waitForTrigger(
  server: TestServer,
  app: TestApp,
  chatId: string,
  trigger: string,
  count = 1,
): Promise<Event[]> {
  return waitFor(
    async () => {
      const events = await chatEvents(server, app, chatId);
      return events.filter((e) => e.trigger === trigger).length >= count ? events : undefined;
    },
    10000,
    `${count}× ${trigger} in chat ${chatId}`,
  );
}

async function settings(server: TestServer, app: TestApp, body: Json): Promise<void> {
  await expectStatus(server, 200, 'PUT', '/v1/settings', { headers: app.asApp, body });
}

async function openChat(
  server: TestServer,
  app: TestApp,
  body: Json = {},
): Promise<{ user: Person; chatId: string }> {
  const user = await createUser(server, app);
  const res = await expectStatus(server, 201, 'POST', '/v1/chats', { headers: app.as(user.token), body });
  return { user, chatId: res.body.chat.id };
}

async function chat(server: TestServer, app: TestApp, id: string): Promise<Json> {
  return (await expectStatus(server, 200, 'GET', `/v1/chats/${id}`, { headers: app.asApp })).body.chat;
}

describeEachStore('routing: the invitation loop', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
  });
  after(() => server.close());

  it('invites an online agent; accepting joins and activates the chat', async () => {
    const app = await createTestApp(server);
    const agent = await createAgent(server, app, { name: 'Ada', langs: ['en'] });
    const { chatId } = await openChat(server, app);
    const events = await waitForTrigger(server, app, chatId, 'invitations:new');
    assert.deepEqual(triggers(events), ['chats:create', 'chats:assign', 'invitations:new']);
    const assign = events[1]!.data;
    assert.equal(assign.attempt, 1);
    assert.equal(assign.maxAttempts, 10);
    assert.equal(assign.chat.id, chatId);
    assert.deepEqual(assign.agents, [
      {
        id: agent.id,
        name: 'Ada',
        nickname: null,
        capacity: 3,
        maxChats: 3,
        activeChats: 0,
        rooms: [1],
        langs: ['en'],
      },
    ]);
    const invitation = events[2]!.data;
    assert.equal(invitation.chatId, chatId);
    assert.equal(invitation.userId, agent.id);
    assert.equal(typeof invitation.invitationId, 'string');
    assert.ok(invitation.expires >= Math.floor(Date.now() / 1000) + 28);

    const listed = await expectStatus(server, 200, 'GET', '/v1/invitations?status=pending', {
      headers: app.as(agent.token),
    });
    assert.equal(listed.body.invitations.length, 1);
    assert.equal(listed.body.invitations[0].id, invitation.invitationId);
    assert.equal(listed.body.invitations[0].attempt, 1);
    assert.equal(listed.body.invitations[0].transfer, false);

    const accepted = await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
      headers: app.as(agent.token),
      body: { chatId, userId: agent.id },
    });
    assert.equal(accepted.body.chat.status, 'active');
    assert.ok(accepted.body.chat.users.includes(agent.id));
    assert.equal(accepted.body.invitation.status, 'accepted');
    const after = await chatEvents(server, app, chatId);
    assert.deepEqual(triggers(after).slice(3), ['invitations:accept', 'chats:join']);
    assert.deepEqual(after[3]!.data, { chatId, userId: agent.id });
    assert.deepEqual(after[4]!.data, { chatId, userId: agent.id });
    const agentView = await expectStatus(server, 200, 'GET', `/v1/agents/${agent.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(agentView.body.agent.chats, [chatId]);
  });

  it('a reject makes the loop jump to the next agent', async () => {
    const app = await createTestApp(server);
    const a = await createAgent(server, app);
    const b = await createAgent(server, app);
    const { chatId } = await openChat(server, app);
    const first = (await waitForTrigger(server, app, chatId, 'invitations:new')).at(-1)!.data;
    const [invited, other] = first.userId === a.id ? [a, b] : [b, a];
    const rejected = await expectStatus(server, 200, 'POST', '/v1/invitations/reject', {
      headers: app.as(invited.token),
      body: { chatId, userId: invited.id },
    });
    assert.equal(rejected.body.invitation.status, 'rejected');
    const events = await waitForTrigger(server, app, chatId, 'invitations:new', 2);
    assert.deepEqual(triggers(events), [
      'chats:create',
      'chats:assign',
      'invitations:new',
      'chats:assign',
      'invitations:new',
    ]);
    assert.equal(events[3]!.data.attempt, 2);
    assert.deepEqual(
      events[3]!.data.agents.map((x: Json) => x.id),
      [other.id],
      'an agent invited in this loop is not offered again',
    );
    assert.equal(events[4]!.data.userId, other.id);
  });

  it('an expired invitation makes the loop jump on', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { assign: { timeout: 1 } });
    await createAgent(server, app);
    await createAgent(server, app);
    const { chatId } = await openChat(server, app);
    const events = await waitForTrigger(server, app, chatId, 'invitations:new', 2);
    const [first, second] = events.filter((e) => e.trigger === 'invitations:new');
    assert.notEqual(first!.data.userId, second!.data.userId);
    const list = await expectStatus(server, 200, 'GET', `/v1/invitations?userId=${first!.data.userId}`, {
      headers: app.asApp,
    });
    assert.equal(list.body.invitations[0].status, 'expired');
    // The expired invitation can no longer be accepted.
    const late = await server.request('POST', '/v1/invitations/accept', {
      headers: app.asApp,
      body: { chatId, userId: first!.data.userId },
    });
    assertError(late, 404);
  });

  it('gives up with forever:alone once maxAttempts is reached', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { assign: { maxAttempts: 1 } });
    const a = await createAgent(server, app);
    await createAgent(server, app);
    const { chatId } = await openChat(server, app);
    const invitation = (await waitForTrigger(server, app, chatId, 'invitations:new')).at(-1)!.data;
    await expectStatus(server, 200, 'POST', '/v1/invitations/reject', {
      headers: app.asApp,
      body: { chatId, userId: invitation.userId },
    });
    const events = await waitForTrigger(server, app, chatId, 'forever:alone');
    assert.deepEqual(triggers(events), ['chats:create', 'chats:assign', 'invitations:new', 'forever:alone']);
    assert.deepEqual(events.at(-1)!.data, { chatId });
    assert.equal((await chat(server, app, chatId)).status, 'waiting');
    void a;
  });

  it('says forever:alone at once when no agent is online, and /assign restarts the loop', async () => {
    const app = await createTestApp(server);
    const { chatId } = await openChat(server, app);
    const events = await waitForTrigger(server, app, chatId, 'forever:alone');
    assert.deepEqual(triggers(events), ['chats:create', 'forever:alone']);
    const agent = await createAgent(server, app);
    const started = await expectStatus(
      server,
      202,
      'POST',
      `/v1/chats/${chatId}/assign?maxAttempts=2&interval=40`,
      {
        headers: app.asApp,
      },
    );
    assert.deepEqual(started.body.assignment, { maxAttempts: 2, interval: 40, algorithm: 'least-busy' });
    assert.equal(started.body.chat.id, chatId);
    const invited = await waitForTrigger(server, app, chatId, 'invitations:new');
    const invitation = invited.at(-1)!.data;
    assert.equal(invitation.userId, agent.id);
    assert.equal(invited.filter((e) => e.trigger === 'chats:assign').at(-1)!.data.maxAttempts, 2);
    // While the loop runs, /assign answers with it and changes nothing.
    const count = (await chatEvents(server, app, chatId)).length;
    const again = await expectStatus(server, 202, 'GET', `/v1/chats/${chatId}/assign?maxAttempts=7`, {
      headers: app.asApp,
    });
    assert.deepEqual(again.body.assignment, { maxAttempts: 2, interval: 40, algorithm: 'least-busy' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await chatEvents(server, app, chatId)).length, count);
  });

  it('transfers a chat through a manual invitation', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { assign: { onCreate: false } });
    const a = await createAgent(server, app);
    const b = await createAgent(server, app);
    const { chatId } = await openChat(server, app);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.as(a.token),
      body: { userId: a.id },
    });
    const invited = await expectStatus(server, 201, 'POST', '/v1/invitations', {
      headers: app.as(a.token),
      body: { chatId, userId: b.id, transfer: true },
    });
    assert.equal(invited.body.invitation.inviterId, a.id);
    assert.equal(invited.body.invitation.transfer, true);
    assert.equal(invited.body.invitation.status, 'pending');
    assertError(
      await server.request('POST', '/v1/invitations', {
        headers: app.as(a.token),
        body: { chatId, userId: b.id },
      }),
      409,
    );
    const accepted = await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
      headers: app.as(b.token),
      body: { chatId, userId: b.id },
    });
    assert.deepEqual(
      accepted.body.chat.users.filter((u: string) => u !== accepted.body.chat.creator),
      [b.id],
    );
    const events = await chatEvents(server, app, chatId);
    assert.deepEqual(triggers(events), [
      'chats:create',
      'chats:join',
      'invitations:new',
      'invitations:accept',
      'chats:join',
      'chats:leave',
    ]);
    assert.deepEqual(events.at(-1)!.data, { chatId, userId: a.id });
    assert.equal(accepted.body.chat.status, 'active');
  });

  it('toinbox sends the chat back to routing, skipping the agent who sent it', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { assign: { onCreate: false } });
    const a = await createAgent(server, app);
    const b = await createAgent(server, app);
    const { chatId } = await openChat(server, app);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.asApp,
      body: { userId: a.id },
    });
    const res = await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/toinbox`, {
      headers: app.as(a.token),
    });
    assert.equal(res.body.chat.status, 'waiting');
    assert.ok(!res.body.chat.users.includes(a.id));
    const events = await waitForTrigger(server, app, chatId, 'invitations:new');
    assert.deepEqual(triggers(events), [
      'chats:create',
      'chats:join',
      'chats:leave',
      'chats:assign',
      'invitations:new',
    ]);
    assert.equal(events.at(-1)!.data.userId, b.id);
    assertError(
      await server.request('POST', `/v1/chats/${chatId}/toinbox`, { headers: app.as(a.token) }),
      403,
    );
  });

  it('closing a chat cancels its pending invitation', async () => {
    const app = await createTestApp(server);
    const agent = await createAgent(server, app);
    const { user, chatId } = await openChat(server, app);
    await waitForTrigger(server, app, chatId, 'invitations:new');
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chatId}`, { headers: app.as(user.token) });
    const list = await expectStatus(server, 200, 'GET', `/v1/invitations?chatId=${chatId}`, {
      headers: app.asApp,
    });
    assert.equal(list.body.invitations[0].status, 'cancelled');
    assertError(
      await server.request('POST', '/v1/invitations/accept', {
        headers: app.as(agent.token),
        body: { chatId, userId: agent.id },
      }),
      404,
    );
  });

  it('re-routes a chat when its last agent leaves', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { assign: { onCreate: false } });
    const a = await createAgent(server, app);
    const b = await createAgent(server, app);
    const { chatId } = await openChat(server, app);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, {
      headers: app.asApp,
      body: { userId: a.id },
    });
    const left = await expectStatus(server, 200, 'PUT', `/v1/chats/${chatId}/leave`, {
      headers: app.as(a.token),
      body: { userId: a.id },
    });
    assert.equal(left.body.chat.status, 'waiting');
    const events = await waitForTrigger(server, app, chatId, 'invitations:new');
    assert.deepEqual(triggers(events), [
      'chats:create',
      'chats:join',
      'chats:leave',
      'chats:assign',
      'invitations:new',
    ]);
    assert.deepEqual(
      events
        .at(-2)!
        .data.agents.map((x: Json) => x.id)
        .sort(),
      [a.id, b.id].sort(),
      'a new loop: the agent who left may be invited again',
    );
  });

  it('joins the chosen agent at once with assign.autoAccept', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { assign: { autoAccept: true } });
    const agent = await createAgent(server, app);
    const { chatId } = await openChat(server, app);
    const events = await waitForTrigger(server, app, chatId, 'chats:join');
    assert.deepEqual(triggers(events), ['chats:create', 'chats:assign', 'chats:join']);
    assert.deepEqual(events.at(-1)!.data, { chatId, userId: agent.id });
    assert.equal((await chat(server, app, chatId)).status, 'active');
  });

  it('closes a quiet chat after chats.inactivityTimeout', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { chats: { inactivityTimeout: 1 }, assign: { onCreate: false } });
    const { chatId } = await openChat(server, app);
    const events = await waitForTrigger(server, app, chatId, 'chats:close');
    const close = events.find((e) => e.trigger === 'chats:close')!;
    assert.deepEqual(close.data, { chatId, userId: 'system', extraData: { reason: 'inactivity' } });
    assert.equal((await chat(server, app, chatId)).status, 'closed');
  });

  it('refuses bad invitation answers', async () => {
    const app = await createTestApp(server);
    const a = await createAgent(server, app);
    const b = await createAgent(server, app);
    const { user, chatId } = await openChat(server, app);
    const invitation = (await waitForTrigger(server, app, chatId, 'invitations:new')).at(-1)!.data;
    const invitee = invitation.userId === a.id ? a : b;
    const stranger = invitee === a ? b : a;
    // Someone else's invitation: 403; none pending: 404; malformed: 400; an end user: 403.
    assertError(
      await server.request('POST', '/v1/invitations/accept', {
        headers: app.as(stranger.token),
        body: { chatId, userId: invitee.id },
      }),
      403,
    );
    assertError(
      await server.request('POST', '/v1/invitations/accept', {
        headers: app.as(stranger.token),
        body: { chatId, userId: stranger.id },
      }),
      404,
    );
    assertError(
      await server.request('POST', '/v1/invitations/reject', { headers: app.asApp, body: { chatId: 42 } }),
      400,
    );
    assertError(
      await server.request('POST', '/v1/invitations/accept', { headers: app.asApp, body: {} }),
      400,
    );
    assertError(
      await server.request('POST', '/v1/invitations/accept', {
        headers: app.as(user.token),
        body: { chatId, userId: user.id },
      }),
      403,
    );
    assertError(
      await server.request('GET', `/v1/chats/${chatId}/assign?algorithm=random`, { headers: app.asApp }),
      400,
    );
    assertError(
      await server.request('POST', '/v1/invitations', {
        headers: app.asApp,
        body: { chatId, userId: 'nobody' },
      }),
      404,
    );
    // Expired but not yet swept: 409.
    await server.sb.store.db
      .updateTable('invitations')
      .set({ expires: 1 })
      .where('id', '=', invitation.invitationId)
      .execute();
    assertError(
      await server.request('POST', '/v1/invitations/accept', {
        headers: app.as(invitee.token),
        body: { chatId, userId: invitee.id },
      }),
      409,
    );
  });
});

describeEachStore('routing: queue mode', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let agent: Person;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server);
    await settings(server, app, { queue: { active: true }, assign: { autoAccept: false } });
    agent = await createAgent(server, app, { maxChats: 1 });
  });
  after(() => server.close());

  async function positions(chats: string[]): Promise<Array<number | null>> {
    return Promise.all(chats.map(async (id) => (await chat(server, app, id)).queuePosition as number | null));
  }

  async function queueUpdates(since: number): Promise<Array<[string, number]>> {
    const events = (await eventsOf(server, app.id)).slice(since);
    return events
      .filter((e) => e.trigger === 'queues:update')
      .map((e) => [e.data.chatId, e.data.data.queuePosition]);
  }

  it('keeps positions through arrivals, an accept, a priority arrival and a close', async () => {
    const c1 = await openChat(server, app);
    await waitForTrigger(server, app, c1.chatId, 'invitations:new');
    const c2 = await openChat(server, app);
    const c3 = await openChat(server, app);
    assert.deepEqual(await positions([c1.chatId, c2.chatId, c3.chatId]), [0, 1, 2]);
    const all = await eventsOf(server, app.id);
    const arrivals = all
      .filter((e) => e.trigger === 'queues:update')
      .map((e) => [e.data.chatId, e.data.data.queuePosition]);
    assert.deepEqual(arrivals, [
      [c1.chatId, 0],
      [c2.chatId, 1],
      [c3.chatId, 2],
    ]);
    const status = await expectStatus(server, 200, 'GET', `/v1/queues/update/${c3.chatId}`, {
      headers: app.as(c3.user.token),
    });
    assert.deepEqual(status.body, { chatId: c3.chatId, userId: c3.user.id, data: { queuePosition: 2 } });
    const view = await chat(server, app, c2.chatId);
    assert.equal(view.inQueue, true);

    // The head is accepted: it leaves the queue and the others move up.
    let mark = (await eventsOf(server, app.id)).length;
    await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
      headers: app.as(agent.token),
      body: { chatId: c1.chatId, userId: agent.id },
    });
    assert.deepEqual(await queueUpdates(mark), [
      [c2.chatId, 0],
      [c3.chatId, 1],
    ]);
    assert.deepEqual(await positions([c1.chatId, c2.chatId, c3.chatId]), [null, 0, 1]);

    // A higher priority arrival goes first; everyone behind it moves.
    mark = (await eventsOf(server, app.id)).length;
    const c4 = await openChat(server, app, { priority: 5 });
    assert.deepEqual(await queueUpdates(mark), [
      [c4.chatId, 0],
      [c2.chatId, 1],
      [c3.chatId, 2],
    ]);

    // A queued chat closes: only the chats behind it move.
    mark = (await eventsOf(server, app.id)).length;
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${c2.chatId}`, { headers: app.as(c2.user.token) });
    assert.deepEqual(await queueUpdates(mark), [[c3.chatId, 1]]);

    const queues = await expectStatus(server, 200, 'GET', '/v1/queues/status', {
      headers: app.as(agent.token),
    });
    assert.equal(queues.body.queues['1'].waiting, 2);
    assert.equal(queues.body.queues['1'].agentsOnline, 1);
    assert.equal(queues.body.queues['1'].agentsAvailable, 0);

    // The agent's chat closes: the slot is free, the head (c4) is offered.
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${c1.chatId}`, { headers: app.as(c1.user.token) });
    const offered = await waitForTrigger(server, app, c4.chatId, 'invitations:new');
    assert.equal(offered.at(-1)!.data.userId, agent.id);
    assert.equal(
      (await chat(server, app, c3.chatId)).queuePosition,
      1,
      'a chat being offered keeps its place',
    );
  });

  it('says forever:alone to every queued chat when the last agent of the room goes offline', async () => {
    const queued = (
      await expectStatus(server, 200, 'GET', '/v1/chats?status=waiting', { headers: app.asApp })
    ).body.chats
      .filter((c: Json) => c.inQueue)
      .map((c: Json) => c.id as string);
    assert.ok(queued.length >= 2);
    await expectStatus(server, 200, 'POST', '/v1/agents/logout', { headers: app.as(agent.token) });
    for (const id of queued) await waitForTrigger(server, app, id, 'forever:alone');
    assert.deepEqual(
      await positions(queued),
      queued.map(() => null),
    );
    // A chat arriving with nobody online hears forever:alone at once.
    const late = await openChat(server, app);
    const events = await waitForTrigger(server, app, late.chatId, 'forever:alone');
    assert.deepEqual(triggers(events), ['chats:create', 'queues:update', 'forever:alone']);
  });
});

describeEachStore('routing: fairness', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
  });
  after(() => server.close());

  it('least-busy spreads 300 short chats over 10 equal agents within ±1', async () => {
    const app = await createTestApp(server);
    await settings(server, app, { assign: { autoAccept: true } });
    const agents: Person[] = [];
    for (let i = 0; i < 10; i++) agents.push(await createAgent(server, app));
    const user = await createUser(server, app);
    const served = new Map<string, number>(agents.map((a) => [a.id, 0]));
    for (let i = 0; i < 300; i++) {
      const res = await expectStatus(server, 201, 'POST', '/v1/chats', { headers: app.as(user.token) });
      const chatId = res.body.chat.id as string;
      const joined = await waitForTrigger(server, app, chatId, 'chats:join');
      const agentId = joined.at(-1)!.data.userId as string;
      served.set(agentId, served.get(agentId)! + 1);
      await expectStatus(server, 200, 'DELETE', `/v1/chats/${chatId}`, { headers: app.as(user.token) });
    }
    const counts = [...served.values()];
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      300,
    );
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 2, `uneven: ${counts.join(',')}`);
  });

  it('simultaneous jumps never promise an agent more slots than it has, so every invitation can be accepted', async () => {
    // The jumps of 12 chats run at once (one batch of due timers) over 4 agents with 2 slots each.
    // Each jump chooses from what it read before its transaction; least-busy sent them all to the
    // same agent, who could then accept 2 and got 409 "no free slot" for the other 10.
    const app = await createTestApp(server);
    const agents: Person[] = [];
    for (let i = 0; i < 4; i++) agents.push(await createAgent(server, app, { maxChats: 2 }));
    await server.sb.timers.stop();
    const chats: string[] = [];
    try {
      for (let i = 0; i < 12; i++) chats.push((await openChat(server, app)).chatId);
      await server.sb.timers.runDue();
      // A jump that found nobody free ends the loop (forever:alone); give those a moment to settle.
      await server.sb.timers.runDue();
    } finally {
      server.sb.timers.start();
    }
    const pending = await server.sb.store.db
      .selectFrom('invitations')
      .select(['chatId', 'userId'])
      .where('appId', '=', app.id)
      .where('status', '=', 'pending')
      .execute();
    const perAgent = new Map<string, number>();
    for (const p of pending) perAgent.set(p.userId, (perAgent.get(p.userId) ?? 0) + 1);
    assert.equal(pending.length, 8, JSON.stringify([...perAgent]));
    assert.deepEqual(
      [...perAgent.values()],
      [2, 2, 2, 2],
      `invitations per agent: ${JSON.stringify([...perAgent])}`,
    );
    const tokens = new Map(agents.map((a) => [a.id, a.token]));
    for (const p of pending) {
      await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
        headers: app.as(tokens.get(p.userId)!),
        body: { chatId: p.chatId, userId: p.userId },
      });
    }
    const alone = (await eventsOf(server, app.id)).filter((e) => e.trigger === 'forever:alone');
    assert.equal(alone.length, 4);
  });
});

describeEachStore('routing: durable timers', (kind) => {
  it('an invitation that expires while the server is down fires after restart and the loop goes on', async () => {
    const server = await startServer(kind);
    try {
      const app = await createTestApp(server);
      // Long enough that the second invitation is still pending when it is listed on a busy machine.
      await settings(server, app, { assign: { timeout: 3 } });
      await createAgent(server, app);
      await createAgent(server, app);
      const { chatId } = await openChat(server, app);
      const first = (await waitForTrigger(server, app, chatId, 'invitations:new')).at(-1)!.data;
      await server.restart(() => new Promise((r) => setTimeout(r, 3500)));
      const events = await waitForTrigger(server, app, chatId, 'invitations:new', 2);
      const second = events.filter((e) => e.trigger === 'invitations:new')[1]!.data;
      assert.notEqual(second.userId, first.userId);
      const list = await expectStatus(server, 200, 'GET', `/v1/invitations?chatId=${chatId}`, {
        headers: app.asApp,
      });
      const statuses = list.body.invitations.map((i: Json) => i.status).sort();
      assert.deepEqual(statuses, ['expired', 'pending']);
    } finally {
      await server.close();
    }
  });
});
