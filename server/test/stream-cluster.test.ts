import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeCursor } from '../src/realtime/cursor.ts';
import {
  createAgent,
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
} from './helpers/fixtures.ts';
import { startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { nextEvent, replayed, stream } from './helpers/stream.ts';
import { outbox } from './helpers/webhooks.ts';
import { chatWithAgent } from './helpers/ws.ts';

/**
 * /v1/stream on several nodes of one PostgreSQL schema: a stream on one node carries what another node
 * committed, and answers the chats:assign of a jump that runs on another node (over Redis). Runs with
 * SWITCHBOARD_TEST_DATABASE_URL and SWITCHBOARD_TEST_REDIS_URL.
 */
const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const redisUrl = process.env.SWITCHBOARD_TEST_REDIS_URL;
const skip =
  !databaseUrl || !redisUrl ? 'needs SWITCHBOARD_TEST_DATABASE_URL and SWITCHBOARD_TEST_REDIS_URL' : false;

describe('stream across nodes [postgres + redis]', { skip }, () => {
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  before(async () => {
    // Node A hears other nodes only through Redis: its store catch-up is switched off.
    a = await startServer('postgres', { REDIS_URL: redisUrl! }, { realtime: { catchUpMs: 3_600_000 } });
    b = await startServer('postgres', { REDIS_URL: redisUrl! }, { schema: a.schema });
    // Node C has no Redis at all: what it hears of other nodes comes from the store alone.
    c = await startServer('postgres', {}, { schema: a.schema, realtime: { catchUpMs: 200 } });
    await Promise.all([a.sb.listen(), b.sb.listen(), c.sb.listen()]);
  });
  after(async () => {
    await b?.close();
    await c?.close();
    await a?.close();
  });

  it('a stream on node A carries, in order, what node B committed; node C the same from the store', async () => {
    const app = await createTestApp(b);
    const onA = await stream(a, app, { events: 'messages:new' });
    const onC = await stream(c, app, { events: 'messages:new' });
    const { user: ann, chatId } = await chatWithAgent(b, app);
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await expectStatus(b, 201, 'POST', `/v1/chats/${chatId}/messages`, {
        headers: app.as(ann.token),
        body: { message: `b${i}` },
      });
      sent.push(res.body.message.id);
    }
    const stored = (await outbox(b, app.id)).filter((e) => e.trigger === 'messages:new').map((e) => e.id);
    for (const s of [onA, onC]) {
      const heard = [];
      for (let i = 0; i < 40; i++) heard.push(await nextEvent(s, 'messages:new', 10000));
      assert.deepEqual(
        heard.map((f) => f.data.message.id),
        sent,
      );
      assert.deepEqual(
        heard.map((f) => f.id),
        stored,
      );
      await s.expectQuiet(500);
    }
    // A stream dropped on node A resumes on node B with nothing lost.
    const cursor = onA.received.at(-21)!.cursor as string;
    await onA.close();
    const onB = await stream(b, app, { events: 'messages:new', cursor });
    const { frames } = await replayed(onB);
    assert.deepEqual(
      frames.map((f) => f.data.message.id),
      sent.slice(20),
    );
    assert.deepEqual(
      frames.map((f) => decodeCursor(app.id, f.cursor)),
      onC.received.slice(-20).map((f) => decodeCursor(app.id, f.cursor)),
    );
    await Promise.all([onB.close(), onC.close()]);
  });

  it('a jump on node B asks a stream on node A, over Redis, and takes its answer', async () => {
    const app = await createTestApp(b);
    const agents: Person[] = [];
    for (let i = 0; i < 3; i++) agents.push(await createAgent(b, app, { maxChats: 20 }));
    agents.sort((x, y) => (x.id < y.id ? -1 : 1));
    // Only node B runs timers, so every jump runs there.
    await a.sb.timers.stop();
    await c.sb.timers.stop();
    const onA = await stream(a, app, { events: 'chats:assign' });
    for (const chosen of [agents[2]!, agents[1]!]) {
      const chat = await createChat(b, app, await createUser(b, app));
      const question = await nextEvent(onA, 'chats:assign', 10000);
      assert.equal(question.data.chat.id, chat.id);
      onA.send({ reply: question.id, data: { agentId: chosen.id } });
      const invitation = await waitFor(
        async () =>
          (await outbox(b, app.id)).find((e) => e.trigger === 'invitations:new' && e.chatId === chat.id),
        15000,
        'the invitation',
      );
      assert.equal(invitation.data.userId, chosen.id, 'the answer given on node A chose the agent');
    }
    // Two streams, on two nodes: the first valid answer wins, the other is told it came too late.
    const onB = await stream(b, app, { events: 'chats:assign' });
    const chat = await createChat(b, app, await createUser(b, app));
    const qa = await nextEvent(onA, 'chats:assign', 10000);
    const qb = await nextEvent(onB, 'chats:assign', 10000);
    assert.equal(qa.id, qb.id);
    onA.send({ reply: qa.id, data: { agentId: agents[2]!.id } });
    const invitation = await waitFor(
      async () =>
        (await outbox(b, app.id)).find((e) => e.trigger === 'invitations:new' && e.chatId === chat.id),
      15000,
      'the invitation',
    );
    assert.equal(invitation.data.userId, agents[2]!.id);
    onB.send({ reply: qb.id, data: { agentId: agents[1]!.id } });
    const late = await onB.next();
    assert.equal(late.error?.code, 404, JSON.stringify(late));
    // And the other way round: node A's stream, still waiting, is told the jump has its answer.
    const next = await createChat(b, app, await createUser(b, app));
    const ra = await nextEvent(onA, 'chats:assign', 10000);
    const rb = await nextEvent(onB, 'chats:assign', 10000);
    onB.send({ reply: rb.id, data: { agentId: agents[1]!.id } });
    const second = await waitFor(
      async () =>
        (await outbox(b, app.id)).find((e) => e.trigger === 'invitations:new' && e.chatId === next.id),
      15000,
      'the invitation',
    );
    assert.equal(second.data.userId, agents[1]!.id);
    onA.send({ reply: ra.id, data: { agentId: agents[2]!.id } });
    const tooLate = await onA.next();
    assert.equal(tooLate.error?.code, 404, JSON.stringify(tooLate));
    await Promise.all([onA.close(), onB.close()]);
  });
});
