import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeCursor } from '../src/realtime/cursor.ts';
import {
  createAgent,
  createChat,
  createTestApp,
  createUser,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Receiver, reply, startReceiver, withHandshake } from './helpers/receiver.ts';
import { nextError, nextEvent, stream } from './helpers/stream.ts';
import { outbox, registerWebhook, sleep, WEBHOOK_ENV } from './helpers/webhooks.ts';

/**
 * chats:assign answered over /v1/stream (docs/stream.md, docs/webhooks.md). Each test has its own app with
 * fresh agents, so the built-in least-busy choice is known: the agent with the smallest id.
 */
describeEachStore('stream: chats:assign over the stream', (kind) => {
  let server: TestServer;
  const receivers: Receiver[] = [];
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
    await server.sb.listen();
  });
  after(async () => {
    await server.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  /** An app with three agents: `builtIn` is the one the built-in algorithm picks. */
  async function setup(): Promise<{ app: TestApp; builtIn: Person; x: Person; y: Person }> {
    const app = await createTestApp(server);
    const agents: Person[] = [];
    for (let i = 0; i < 3; i++) agents.push(await createAgent(server, app, { maxChats: 20 }));
    agents.sort((a, b) => (a.id < b.id ? -1 : 1));
    const [builtIn, x, y] = agents as [Person, Person, Person];
    return { app, builtIn, x, y };
  }

  async function invitedIn(app: TestApp, chatId: string): Promise<string> {
    const invitation = await waitFor(
      async () =>
        (await outbox(server, app.id)).find((e) => e.trigger === 'invitations:new' && e.chatId === chatId),
      15000,
      'the invitation',
    );
    return invitation.data.userId as string;
  }

  async function newChat(app: TestApp): Promise<string> {
    return (await createChat(server, app, await createUser(server, app))).id as string;
  }

  it('an eligible agent named over the stream is chosen; the question is the webhook envelope', async () => {
    const { app, builtIn, x, y } = await setup();
    const s = await stream(server, app, { events: 'chats:assign' });
    const chatId = await newChat(app);
    const question = await nextEvent(s, 'chats:assign');
    assert.equal(question.appId, app.id);
    // Its cursor is the stream's own: the last event before the jump (filtered out here), not the question.
    const earlier = (await outbox(server, app.id)).filter((e) => e.trigger !== 'chats:assign');
    assert.equal(decodeCursor(app.id, question.cursor), earlier.length);
    assert.equal(question.data.chat.id, chatId);
    assert.deepEqual(
      question.data.agents.map((a: Json) => a.id),
      [builtIn.id, x.id, y.id].sort(),
    );
    assert.equal(question.data.attempt, 1);
    assert.equal(question.data.maxAttempts, 10);
    s.send({ reply: question.id, data: { agentId: y.id } });
    assert.equal(await invitedIn(app, chatId), y.id);
    // The outbox recorded the same question; that record is never sent on the stream.
    const recorded = (await outbox(server, app.id)).find((e) => e.trigger === 'chats:assign')!;
    assert.deepEqual(recorded.data, question.data);
    // A second answer to the same question is not waited for any more.
    s.send({ reply: question.id, data: { agentId: x.id } });
    await nextError(s, 404, /No chats:assign/);
    await s.expectQuiet();
    await s.close();
  });

  it('the accepted answer forms are those of the webhook', async () => {
    for (const form of ['agent', 'id'] as const) {
      const { app, x } = await setup();
      const s = await stream(server, app, { events: 'chats:assign' });
      const chatId = await newChat(app);
      const question = await nextEvent(s, 'chats:assign');
      s.send({ reply: question.id, data: form === 'agent' ? { agent: { id: x.id } } : { id: x.id } });
      assert.equal(await invitedIn(app, chatId), x.id, form);
      await s.close();
    }
  });

  it('an ineligible agent, no agent or no answer falls back to the built-in choice', async () => {
    const { app, builtIn } = await setup();
    const s = await stream(server, app, { events: 'chats:assign' });
    const ineligible = await createUser(server, app);

    let chatId = await newChat(app);
    let question = await nextEvent(s, 'chats:assign');
    s.send({ reply: question.id, data: { agentId: ineligible.id } });
    await nextError(s, 400, /not one of the eligible agents/);
    assert.equal(await invitedIn(app, chatId), builtIn.id);

    chatId = await newChat(app);
    question = await nextEvent(s, 'chats:assign');
    s.send({ reply: question.id, data: { agentId: 42 } });
    await nextError(s, 400, /names no agent/);
    assert.notEqual(await invitedIn(app, chatId), undefined);

    chatId = await newChat(app);
    question = await nextEvent(s, 'chats:assign');
    s.send({ reply: question.id, data: {} });
    assert.ok(await invitedIn(app, chatId), '{} is "no opinion", without an error');

    chatId = await newChat(app);
    question = await nextEvent(s, 'chats:assign');
    // No answer at all: after its 5 s the jump goes on alone, and a late answer is refused.
    const invited = await invitedIn(app, chatId);
    s.send({ reply: question.id, data: { agentId: invited } });
    await nextError(s, 404, /past its 5 s/);
    await s.expectQuiet();
    await s.close();
  });

  it('streams without chats:assign in their events are not asked', async () => {
    const { app } = await setup();
    const all = await stream(server, app);
    const chatId = await newChat(app);
    await invitedIn(app, chatId);
    const frames = await all.drain(300);
    assert.ok(frames.some((f) => f.trigger === 'invitations:new'));
    assert.ok(!frames.some((f) => f.trigger === 'chats:assign'), 'no question, no record');
    await all.close();
  });

  it('between streams, and between a stream and a webhook, the first valid answer wins', async () => {
    // Two streams: one names an ineligible agent at once, the other a valid one a moment later.
    {
      const { app, y } = await setup();
      const wrong = await stream(server, app, { events: 'chats:assign' });
      const right = await stream(server, app, { events: 'chats:assign,messages:new' });
      const chatId = await newChat(app);
      const q1 = await nextEvent(wrong, 'chats:assign');
      const q2 = await nextEvent(right, 'chats:assign');
      assert.equal(q1.id, q2.id, 'one question, one id');
      wrong.send({ reply: q1.id, data: { agentId: 'nobody' } });
      await nextError(wrong, 400);
      await sleep(200);
      right.send({ reply: q2.id, data: { agentId: y.id } });
      assert.equal(await invitedIn(app, chatId), y.id);
      await Promise.all([wrong.close(), right.close()]);
    }
    // A stream answering at once beats a webhook answering after a second; both were asked with one id.
    {
      const { app, x, y } = await setup();
      const target = await startReceiver(
        withHandshake(async (_request, response) => {
          await sleep(1000);
          reply(response, 200, JSON.stringify({ agentId: y.id }));
        }),
      );
      receivers.push(target);
      await registerWebhook(server, app, target.url, ['chats:assign']);
      const s = await stream(server, app, { events: 'chats:assign' });
      const chatId = await newChat(app);
      const question = await nextEvent(s, 'chats:assign');
      s.send({ reply: question.id, data: { agentId: x.id } });
      assert.equal(await invitedIn(app, chatId), x.id, 'the stream answered first');
      const call = await waitFor(async () => target.deliveries()[0], 5000, 'the webhook call');
      assert.equal(call.headers['webhook-id'], question.id, 'the webhook call carries the same id');
      await s.close();
    }
    // A webhook answering at once beats a stream that answers after the jump went on.
    {
      const { app, x, y } = await setup();
      const target = await startReceiver(
        withHandshake((_request, response) => reply(response, 200, JSON.stringify({ agentId: y.id }))),
      );
      receivers.push(target);
      await registerWebhook(server, app, target.url, ['chats:assign']);
      const s = await stream(server, app, { events: 'chats:assign' });
      const chatId = await newChat(app);
      const question = await nextEvent(s, 'chats:assign');
      assert.equal(await invitedIn(app, chatId), y.id, 'the webhook answered first');
      s.send({ reply: question.id, data: { agentId: x.id } });
      await nextError(s, 404);
      await s.close();
    }
  });

  it('a stream that goes away while asked is no longer waited for', async () => {
    const { app, builtIn } = await setup();
    const s = await stream(server, app, { events: 'chats:assign' });
    const chatId = await newChat(app);
    await nextEvent(s, 'chats:assign');
    s.ws.terminate();
    // With nobody left to answer, the built-in choice decides (the jump stops waiting for the stream).
    assert.equal(await invitedIn(app, chatId), builtIn.id);
    assert.equal(server.sb.stream.connectionCount(), 0);
  });
});
