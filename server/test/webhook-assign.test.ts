import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import {
  type Receiver,
  type ReceiverHandler,
  reply,
  startReceiver,
  withHandshake,
} from './helpers/receiver.ts';
import {
  assertSigned,
  deliveriesOf,
  deliveryDetail,
  outbox,
  registerWebhook,
  sleep,
  WEBHOOK_ENV,
} from './helpers/webhooks.ts';

/**
 * The synchronous chats:assign (docs/webhooks.md). Each test has its own app with two fresh agents, so
 * the built-in least-busy choice is known: the agent with the smaller id (no chats, never invited).
 */
describeEachStore('webhooks: the synchronous chats:assign', (kind) => {
  let server: TestServer;
  const receivers: Receiver[] = [];
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
  });
  after(async () => {
    await server.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  interface Setup {
    app: TestApp;
    builtIn: Person;
    other: Person;
  }

  async function setup(): Promise<Setup> {
    const app = await createTestApp(server);
    const a = await createAgent(server, app, { maxChats: 20 });
    const b = await createAgent(server, app, { maxChats: 20 });
    const [builtIn, other] = a.id < b.id ? [a, b] : [b, a];
    return { app, builtIn, other };
  }

  async function receiver(answer: ReceiverHandler): Promise<Receiver> {
    const r = await startReceiver(withHandshake(answer));
    receivers.push(r);
    return r;
  }

  /** Creates a chat and waits for its invitation; returns who was invited and how long it took. */
  async function route(app: TestApp): Promise<{ chatId: string; invited: string; ms: number }> {
    const started = Date.now();
    const chat = await createChat(server, app, await createUser(server, app));
    const invitation = await waitFor(
      async () =>
        (await outbox(server, app.id)).find((e) => e.trigger === 'invitations:new' && e.chatId === chat.id),
      15000,
      'the invitation',
    );
    return { chatId: chat.id, invited: invitation.data.userId, ms: Date.now() - started };
  }

  const answering = (body: (request: Json) => unknown, status = 200): ReceiverHandler => {
    return (request, response) => reply(response, status, JSON.stringify(body(request.json!)));
  };

  it('honours an eligible agent named in the answer, in each accepted form', async () => {
    for (const form of ['agentId', 'agent', 'id'] as const) {
      const { app, builtIn, other } = await setup();
      const target = await receiver(
        answering(() =>
          form === 'agentId'
            ? { agentId: other.id }
            : form === 'agent'
              ? { agent: { id: other.id } }
              : { id: other.id },
        ),
      );
      const hook = await registerWebhook(server, app, target.url, ['chats:assign']);
      const { chatId, invited, ms } = await route(app);
      assert.equal(invited, other.id, `{${form}} chose the agent (the built-in choice was ${builtIn.id})`);
      assert.ok(ms < 3000, `${ms} ms`);
      const [call] = target.deliveries();
      assertSigned(call!, hook.secret);
      const body = call!.json!;
      assert.deepEqual(Object.keys(body).sort(), ['appId', 'created_at', 'data', 'trigger']);
      assert.equal(body.trigger, 'chats:assign');
      assert.equal(body.appId, app.id);
      assert.equal(body.data.chat.id, chatId);
      assert.deepEqual(body.data.agents.map((a: Json) => a.id).sort(), [builtIn.id, other.id].sort());
      assert.equal(body.data.attempt, 1);
      assert.equal(body.data.maxAttempts, 10);
      // The outbox recorded the same question.
      const recorded = (await outbox(server, app.id)).find((e) => e.trigger === 'chats:assign')!;
      assert.deepEqual(recorded.data, body.data);
    }
  });

  for (const [name, handler] of [
    ['an ineligible id', (_req, res) => reply(res, 200, JSON.stringify({ agentId: 'somebody-else' }))],
    ['garbage', (_req, res) => reply(res, 200, 'this is not json', { 'content-type': 'text/plain' })],
    ['a 500', (_req, res) => reply(res, 500, JSON.stringify({ agentId: 'x' }))],
    ['no opinion ({})', (_req, res) => reply(res, 200, '{}')],
  ] as Array<[string, ReceiverHandler]>) {
    it(`falls back to the built-in choice on ${name}`, async () => {
      const { app, builtIn } = await setup();
      const target = await receiver(handler);
      await registerWebhook(server, app, target.url, ['chats:assign']);
      const { invited, ms } = await route(app);
      assert.equal(target.deliveries().length, 1, 'the webhook was asked');
      assert.equal(invited, builtIn.id);
      assert.ok(ms < 3000, `${ms} ms`);
    });
  }

  it('falls back within 5 s (plus a little) when the answer takes 6 s, without holding up other chats', async () => {
    const { app, builtIn, other } = await setup();
    let calls = 0;
    const target = await receiver((_req, res) => {
      calls++;
      if (calls === 1) {
        setTimeout(() => reply(res, 200, JSON.stringify({ agentId: other.id })), 6000).unref();
      } else reply(res, 200, JSON.stringify({ agentId: other.id }));
    });
    const hook = await registerWebhook(server, app, target.url, ['chats:assign']);
    const slow = route(app);
    await waitFor(async () => calls === 1);
    // Another chat routes meanwhile, its own call answered at once.
    const quick = await route(app);
    assert.equal(quick.invited, other.id);
    assert.ok(quick.ms < 2000, `the other chat was not held up (${quick.ms} ms)`);
    const { invited, ms } = await slow;
    assert.equal(invited, builtIn.id, 'no answer in time: the built-in choice');
    assert.ok(ms >= 4900 && ms < 6000, `fell back after ${ms} ms`);
    // Logged like any delivery, with the timeout as its error; never retried later.
    const failed = await waitFor(async () => {
      const list = await deliveriesOf(server, app, hook.id, '?status=failed');
      return list.length > 0 && list;
    });
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.trigger, 'chats:assign');
    const detail = await deliveryDetail(server, app, hook.id, failed[0]!.id);
    assert.equal(detail.attempts.length, 1);
    assert.equal(detail.attempts[0].status, null);
    assert.match(detail.attempts[0].error, /timed out after 5 s/);
    assert.ok(detail.attempts[0].duration >= 4900 && detail.attempts[0].duration < 5600);
    assert.equal(detail.payload.trigger, 'chats:assign');
    assertError(
      await server.request('POST', `/v1/webhooks/${hook.id}/deliveries/${failed[0]!.id}/retry`, {
        headers: app.asApp,
      }),
      409,
    );
    await sleep(2500);
    assert.equal(calls, 2, 'nothing was sent again');
  });

  it('calls several webhooks in parallel; the first valid answer in registration order wins', async () => {
    const { app, builtIn, other } = await setup();
    const order: string[] = [];
    // Registered first, answers last (after 400 ms): still wins.
    const first = await receiver((_req, res) => {
      setTimeout(() => {
        order.push('first');
        reply(res, 200, JSON.stringify({ agentId: other.id }));
      }, 400);
    });
    const second = await receiver((_req, res) => {
      order.push('second');
      reply(res, 200, JSON.stringify({ agentId: builtIn.id }));
    });
    await registerWebhook(server, app, first.url, ['chats:assign']);
    await registerWebhook(server, app, second.url, ['chats:assign']);
    const one = await route(app);
    assert.equal(one.invited, other.id);
    assert.deepEqual(order, ['second', 'first'], 'both were asked at once');
    assert.ok(one.ms < 2000, `${one.ms} ms: in parallel`);

    // When the first has no valid answer, the second's counts.
    first.handler = withHandshake((_req, res) => reply(res, 200, JSON.stringify({ agentId: 'nobody' })));
    second.handler = withHandshake((_req, res) =>
      reply(res, 200, JSON.stringify({ agent: { id: other.id } })),
    );
    const two = await route(app);
    assert.equal(two.invited, other.id);
  });

  it('skips a webhook that failed its last 5 calls for the skip window, then asks it again', async () => {
    server.sb.webhooks.advisor.skipMs = 2000;
    try {
      const { app } = await setup();
      let failing = true;
      const target = await receiver((_req, res) => reply(res, failing ? 500 : 200, '{}'));
      const hook = await registerWebhook(server, app, target.url, ['chats:assign']);
      for (let i = 0; i < 5; i++) await route(app);
      assert.equal(target.deliveries().length, 5);
      await waitFor(async () => (await deliveriesOf(server, app, hook.id, '?status=failed')).length === 5);
      // Skipped: the jump does not call it.
      await route(app);
      assert.equal(target.deliveries().length, 5, 'skipped after five failures');
      await sleep(2100);
      failing = false;
      await route(app);
      assert.equal(target.deliveries().length, 6, 'asked again after the window');
      await waitFor(async () => (await deliveriesOf(server, app, hook.id, '?status=delivered')).length === 1);
      // A success ends the streak: no skipping now.
      await route(app);
      assert.equal(target.deliveries().length, 7);
    } finally {
      server.sb.webhooks.advisor.skipMs = 30_000;
    }
  });

  it('is only the synchronous call: chats:assign outbox events are never delivered later', async () => {
    const { app } = await setup();
    const target = await receiver((_req, res) => reply(res, 200, '{}'));
    const hook = await registerWebhook(server, app, target.url, ['chats:assign', 'chats:create']);
    await route(app);
    await route(app);
    await sleep(1500);
    const assignEvents = (await outbox(server, app.id)).filter((e) => e.trigger === 'chats:assign');
    const calls = target.deliveries().filter((r) => r.json?.trigger === 'chats:assign');
    assert.equal(assignEvents.length, 2);
    assert.equal(calls.length, 2, 'one call per jump, nothing after');
    const outboxIds = new Set(assignEvents.map((e) => e.id));
    assert.ok(!calls.some((c) => outboxIds.has(String(c.headers['webhook-id']))));
    assert.equal(target.deliveries().filter((r) => r.json?.trigger === 'chats:create').length, 2);
    const log = await deliveriesOf(server, app, hook.id);
    assert.equal(log.filter((d) => d.trigger === 'chats:assign').length, 2);
    assert.ok(log.every((d) => d.status === 'delivered'));
  });
});
