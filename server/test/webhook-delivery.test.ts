import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { TRIGGERS } from '../src/events/catalog.ts';
import { nextRetryDelay } from '../src/webhooks/retry.ts';
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
import { type Received, type Receiver, reply, startReceiver, withHandshake } from './helpers/receiver.ts';
import {
  assertSigned,
  deliveriesOf,
  deliveryDetail,
  outbox,
  registerWebhook,
  sleep,
  WEBHOOK_ENV,
} from './helpers/webhooks.ts';

/** Sends `n` messages in a chat as its creator; returns their event ids (the webhook-ids to expect). */
async function sendMessages(server: TestServer, app: TestApp, user: Person, chatId: string, n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(user.token),
      body: { message: `message ${i}` },
    });
    ids.push(res.body.eventId);
  }
  return ids;
}

async function openChat(server: TestServer, app: TestApp): Promise<{ user: Person; chatId: string }> {
  const user = await createUser(server, app);
  const chat = await createChat(server, app, user);
  return { user, chatId: chat.id };
}

const idOf = (r: Received) => String(r.headers['webhook-id']);

describeEachStore('webhooks: every trigger, enveloped and signed both ways', (kind) => {
  let server: TestServer;
  let target: Receiver;
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
    target = await startReceiver();
  });
  after(async () => {
    await server.close();
    await target.close();
  });

  it('delivers a full scenario: each trigger with the exact envelope, its data, and both signatures', async () => {
    const app = await createTestApp(server, 'scenario');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'Support' },
          { id: 2, name: 'Sales' },
        ],
        queue: { active: true },
        surveys: [
          { id: 'csat', name: 'CSAT', questions: [{ id: 'score', type: 'rating', text: 'Rate us' }] },
        ],
        survey: { onClose: 'csat' },
      },
    });
    const hook = await registerWebhook(server, app, `${target.url}/all`, [...TRIGGERS]);
    const agent = await createAgent(server, app, { name: 'Ada', rooms: [1] });

    // chats:create, queues:update, chats:assign (the synchronous call), invitations:new
    const { user, chatId } = await openChat(server, app);
    await waitFor(async () => (await outbox(server, app.id)).some((e) => e.trigger === 'invitations:new'));
    // invitations:accept, chats:join
    await expectStatus(server, 200, 'POST', '/v1/invitations/accept', {
      headers: app.as(agent.token),
      body: { chatId, userId: agent.id },
    });
    // messages:new, messages:read, users:activity
    const sent = await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(user.token),
      body: { message: 'hello' },
    });
    await expectStatus(server, 200, 'PUT', `/v1/messages/${sent.body.message.id}/read`, {
      headers: app.as(agent.token),
      body: {},
    });
    await expectStatus(server, 200, 'POST', `/v1/users/${user.id}/activity`, {
      headers: app.as(user.token),
      body: { chatId, type: 'writing' },
    });
    // chats:intervened, with Ada's chats:leave and the supervisor's chats:join
    const supervisor = await createAgent(server, app, { name: 'Sol', rooms: [1], role: 'supervisor' });
    await expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/intervene`, {
      headers: app.as(supervisor.token),
    });
    // chats:close and system:info (the ticket, then the survey), surveys:response
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${chatId}`, { headers: app.asApp });
    await expectStatus(server, 201, 'POST', '/v1/surveys/csat/submit', {
      headers: app.as(user.token),
      body: { sourceType: 'chat', sourceId: chatId, answers: [{ questionId: 'score', value: 5 }] },
    });
    // forever:alone: nobody serves room 2; then users:erased
    const other = await createUser(server, app);
    await createChat(server, app, other, { room: 2 });
    await waitFor(async () => (await outbox(server, app.id)).some((e) => e.trigger === 'forever:alone'));
    await expectStatus(server, 204, 'DELETE', `/v1/users/${other.id}`, { headers: app.asApp });

    const events = await waitFor(async () => {
      const all = await outbox(server, app.id);
      const triggers = new Set(all.map((e) => e.trigger));
      return TRIGGERS.every((t) => triggers.has(t)) && all;
    });
    const expected = events.filter((e) => e.trigger !== 'chats:assign');
    await waitFor(
      async () => {
        const got = new Set(target.deliveries().map(idOf));
        return expected.every((e) => got.has(e.id));
      },
      15000,
      'every event delivered',
    );

    const now = Date.now() / 1000;
    const byId = new Map(events.map((e) => [e.id, e]));
    const seenTriggers = new Set<string>();
    for (const request of target.deliveries()) {
      assertSigned(request, hook.secret);
      const body = request.json!;
      assert.deepEqual(Object.keys(body).sort(), ['appId', 'created_at', 'data', 'trigger']);
      assert.equal(body.appId, app.id);
      assert.ok(Number.isInteger(body.created_at) && Math.abs(body.created_at - now) < 60);
      seenTriggers.add(body.trigger);
      if (body.trigger === 'chats:assign') {
        // The synchronous call: same envelope and signatures, data as the outbox recorded it.
        const recorded = events.filter((e) => e.trigger === 'chats:assign').map((e) => e.data);
        assert.ok(
          recorded.some((d) => JSON.stringify(d) === JSON.stringify(body.data)),
          'the chats:assign call carries the data of a recorded jump',
        );
        continue;
      }
      const event = byId.get(idOf(request));
      assert.ok(event, `webhook-id ${idOf(request)} is an event id`);
      assert.equal(body.trigger, event.trigger);
      assert.deepEqual(body.data, event.data, `${event.trigger} data is the event's data`);
      assert.equal(body.created_at, event.created);
    }
    assert.deepEqual([...seenTriggers].sort(), [...TRIGGERS].sort(), 'every trigger was delivered');

    // The data of each trigger, as docs/webhooks.md shapes it.
    const first = (trigger: string) =>
      target
        .deliveries()
        .find(
          (r) =>
            r.json?.trigger === trigger &&
            (r.json.data.chatId ?? r.json.data.chat?.id ?? r.json.data.message?.chat) === chatId,
        )?.json?.data as Json;
    const keys = (o: Json) => Object.keys(o).sort();
    assert.equal(first('chats:create').chat.id, chatId);
    assert.deepEqual(keys(first('chats:create')), ['chat']);
    assert.deepEqual(first('chats:join'), { chatId, userId: agent.id });
    assert.deepEqual(first('chats:leave'), { chatId, userId: agent.id });
    assert.equal(first('chats:close').userId, 'system');
    assert.equal(first('chats:close').chatId, chatId);
    assert.deepEqual(keys(first('chats:assign')), ['agents', 'attempt', 'chat', 'maxAttempts']);
    assert.deepEqual(keys(first('chats:assign').agents[0]), [
      'activeChats',
      'capacity',
      'id',
      'langs',
      'maxChats',
      'name',
      'nickname',
      'rooms',
    ]);
    assert.equal(first('chats:assign').agents[0].id, agent.id);
    assert.deepEqual(keys(first('invitations:new')), ['chatId', 'expires', 'invitationId', 'userId']);
    assert.deepEqual(first('invitations:accept'), { chatId, userId: agent.id });
    assert.equal(first('messages:new').message.id, sent.body.message.id);
    assert.deepEqual(first('messages:new').message, sent.body.message);
    assert.deepEqual(first('messages:read'), { messageId: sent.body.message.id, chatId, userId: agent.id });
    assert.deepEqual(first('users:activity'), { chatId, userId: user.id, type: 'writing' });
    assert.deepEqual(first('queues:update'), { chatId, userId: user.id, data: { queuePosition: 0 } });
    assert.equal(first('system:info').data.type, 'ticket');
    assert.equal(typeof first('system:info').data.ticketId, 'string');
    assert.equal(first('surveys:response').rating, 5);
    assert.deepEqual(first('chats:intervened'), {
      chatId,
      interventor: supervisor.id,
      intervenedUsers: [agent.id],
    });
    assert.deepEqual(target.deliveries().find((r) => r.json?.trigger === 'users:erased')?.json?.data, {
      userId: other.id,
    });
    const status = target.deliveries().find((r) => r.json?.trigger === 'agents:status')!.json!.data as Json;
    assert.deepEqual(status, {
      agentId: agent.id,
      status: 'online',
      previous: 'offline',
      rooms: [1],
      reason: 'login',
    });
    const alone = target.deliveries().find((r) => r.json?.trigger === 'forever:alone');
    assert.deepEqual(keys(alone!.json!.data), ['chatId']);

    // One chat's events arrived in the order they happened.
    const chatOrder = expected.filter((e) => e.chatId === chatId).map((e) => e.id);
    const arrived = [...new Set(target.deliveries().map(idOf))].filter((id) => chatOrder.includes(id));
    assert.deepEqual(arrived, chatOrder);
    // The outbox's chats:assign events were never delivered after the fact.
    const assignIds = new Set(events.filter((e) => e.trigger === 'chats:assign').map((e) => e.id));
    assert.ok(!target.deliveries().some((r) => assignIds.has(idOf(r))));
    // Every recorded jump was asked about (a jump re-run before it commits asks again, so calls may repeat).
    const calls = new Set(
      target
        .deliveries()
        .filter((r) => r.json?.trigger === 'chats:assign')
        .map((r) => JSON.stringify(r.json!.data)),
    );
    const jumps = new Set(
      events.filter((e) => e.trigger === 'chats:assign').map((e) => JSON.stringify(e.data)),
    );
    assert.deepEqual([...calls].sort(), [...jumps].sort(), 'one synchronous call per jump');
  });
});

describeEachStore('webhooks: retries, Retry-After, 410, recover and the log', (kind) => {
  let server: TestServer;
  const receivers: Receiver[] = [];
  const receiver = async (handler: Parameters<typeof withHandshake>[0]) => {
    const r = await startReceiver(withHandshake(handler));
    receivers.push(r);
    return r;
  };
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
  });
  after(async () => {
    await server.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('retries a failing receiver until it succeeds: same webhook-id and body bytes, every attempt logged', async () => {
    let calls = 0;
    const big = 'x'.repeat(10_000);
    const target = await receiver((_req, res) => {
      calls++;
      if (calls <= 2) reply(res, 500, `boom ${calls} ${big}`);
      else reply(res, 200, '{"thanks":true}');
    });
    const app = await createTestApp(server);
    const hook = await registerWebhook(server, app, target.url, ['chats:create']);
    await createChat(server, app, await createUser(server, app));
    await waitFor(async () => target.deliveries().length >= 3, 10000, 'three attempts');
    const [a, b, c] = target.deliveries();
    assert.equal(idOf(a!), idOf(b!));
    assert.equal(idOf(b!), idOf(c!));
    assert.ok(a!.body.equals(b!.body) && b!.body.equals(c!.body), 'the same body bytes on every attempt');
    for (const r of [a!, b!, c!]) assertSigned(r, hook.secret);
    // Schedule 1 s ± 20 %.
    for (const [x, y] of [
      [a!, b!],
      [b!, c!],
    ] as const) {
      const gap = y.at - x.at;
      assert.ok(gap >= 750 && gap < 2500, `retry after ${gap} ms`);
    }
    const [delivery] = await waitFor(async () => {
      const list = await deliveriesOf(server, app, hook.id, '?status=delivered');
      return list.length > 0 && list;
    });
    assert.equal(delivery!.attempts, 3);
    assert.equal(delivery!.eventId, idOf(a!));
    assert.equal(delivery!.trigger, 'chats:create');
    const detail = await deliveryDetail(server, app, hook.id, delivery!.id);
    assert.deepEqual(
      detail.attempts.map((x: Json) => x.status),
      [500, 500, 200],
    );
    assert.equal(detail.attempts[0].response.length, 4096, 'the first 4 KB of the answer is kept');
    assert.ok(detail.attempts[0].response.startsWith('boom 1 xxx'));
    assert.equal(detail.attempts[0].error, 'answered 500');
    assert.equal(detail.attempts[2].response, '{"thanks":true}');
    assert.equal(detail.attempts[2].error, undefined);
    for (const x of detail.attempts) {
      assert.ok(Number.isInteger(x.duration) && x.duration >= 0 && x.duration < 2000);
      assert.ok(Math.abs(x.created - Date.now() / 1000) < 30);
    }
    assert.deepEqual(detail.payload, JSON.parse(a!.body.toString()));
  });

  it('honours Retry-After within [step, 2 × step]', async () => {
    let calls = 0;
    const target = await receiver((_req, res) => {
      calls++;
      // Asks for 30 s; with a 1 s step the server waits 2 s at most.
      if (calls === 1) reply(res, 503, 'busy', { 'retry-after': '30' });
      else reply(res, 200);
    });
    const app = await createTestApp(server);
    await registerWebhook(server, app, target.url, ['chats:create']);
    await createChat(server, app, await createUser(server, app));
    await waitFor(async () => target.deliveries().length >= 2, 10000);
    const [a, b] = target.deliveries();
    const gap = b!.at - a!.at;
    assert.ok(gap >= 1900 && gap < 3500, `Retry-After 30 s was held to 2 × 1 s: waited ${gap} ms`);

    // The policy itself, for the other cases.
    const schedule = [5, 300];
    assert.equal(nextRetryDelay(schedule, 1, 429, '7'), 7000, 'within bounds: as asked');
    assert.equal(nextRetryDelay(schedule, 1, 429, '1'), 5000, 'too soon: the step');
    assert.equal(nextRetryDelay(schedule, 1, 503, '3600'), 10000, 'too late: twice the step');
    const date = new Date(Date.now() + 400_000).toUTCString();
    const fromDate = nextRetryDelay(schedule, 2, 503, date)!;
    assert.ok(fromDate > 390_000 && fromDate <= 400_000, 'an HTTP date works too');
    for (let i = 0; i < 200; i++) {
      const d = nextRetryDelay(schedule, 1, 500, '60')!;
      assert.ok(d >= 4000 && d <= 6000, 'Retry-After only counts on 429/503; the step has ±20 % jitter');
    }
    assert.equal(nextRetryDelay(schedule, 3, 500, undefined), undefined, 'the schedule is used up');
  });

  it('410 Gone disables the webhook at once; re-enabling resumes what is pending, in order', async () => {
    let gone = true;
    const target = await receiver((_req, res) => reply(res, gone ? 410 : 200));
    const app = await createTestApp(server);
    const hook = await registerWebhook(server, app, target.url, ['messages:new']);
    const { user, chatId } = await openChat(server, app);
    const [first] = await sendMessages(server, app, user, chatId, 1);
    await waitFor(async () => {
      const res = await expectStatus(server, 200, 'GET', `/v1/webhooks/${hook.id}`, { headers: app.asApp });
      return res.body.webhook.active === false && res.body.webhook;
    });
    const disabled = (
      await expectStatus(server, 200, 'GET', `/v1/webhooks/${hook.id}`, { headers: app.asApp })
    ).body.webhook;
    assert.match(disabled.disabledReason, /410 Gone/);
    const later = await sendMessages(server, app, user, chatId, 2);
    await sleep(1500);
    assert.equal(target.deliveries().length, 1, 'nothing is sent to a disabled webhook');
    const pending = await deliveriesOf(server, app, hook.id, '?status=pending');
    assert.equal(pending.length, 3, 'the 410 one and the later ones wait');

    gone = false;
    const enabled = await expectStatus(server, 200, 'PUT', `/v1/webhooks/${hook.id}`, {
      headers: app.asApp,
      body: { active: true },
    });
    assert.equal(enabled.body.webhook.active, true);
    assert.equal(enabled.body.webhook.disabledReason, undefined);
    await waitFor(async () => target.deliveries().length >= 4, 10000);
    assert.deepEqual(target.deliveries().map(idOf), [first, first, ...later]);
  });

  it('gives up after the schedule; a manual retry and recover {since} send again with the same id and body', async () => {
    let healthy = false;
    const target = await receiver((_req, res) => reply(res, healthy ? 200 : 502));
    const app = await createTestApp(server);
    const hook = await registerWebhook(server, app, target.url, ['chats:create']);
    const since = Math.floor(Date.now() / 1000);
    await createChat(server, app, await createUser(server, app));
    // 1 + 3 retries (schedule 1,1,1), then failed for good.
    const [failed] = await waitFor(
      async () => {
        const list = await deliveriesOf(server, app, hook.id, '?status=failed');
        return list.length > 0 && list;
      },
      10000,
      'the delivery failed',
    );
    assert.equal(failed!.attempts, 4);
    assert.equal(failed!.lastStatus, 502);
    assert.equal(target.deliveries().length, 4);
    await sleep(1500);
    assert.equal(target.deliveries().length, 4, 'no attempt after giving up');

    healthy = true;
    const retried = await expectStatus(
      server,
      202,
      'POST',
      `/v1/webhooks/${hook.id}/deliveries/${failed!.id}/retry`,
      { headers: app.asApp },
    );
    assert.equal(retried.body.delivery.status, 'pending');
    await waitFor(async () => target.deliveries().length >= 5, 5000);
    const resent = target.deliveries()[4]!;
    assert.equal(idOf(resent), failed!.eventId);
    assert.ok(resent.body.equals(target.deliveries()[0]!.body));
    const detail = await waitFor(async () => {
      const d = await deliveryDetail(server, app, hook.id, failed!.id);
      return d.delivery.status === 'delivered' && d;
    });
    assert.equal(detail.attempts.length, 5);

    // Two more fail for good; recover sends them again, and only those since the given time.
    healthy = false;
    await createChat(server, app, await createUser(server, app));
    await createChat(server, app, await createUser(server, app));
    await waitFor(
      async () => (await deliveriesOf(server, app, hook.id, '?status=failed')).length === 2,
      10000,
    );
    const future = await expectStatus(server, 202, 'POST', `/v1/webhooks/${hook.id}/recover`, {
      headers: app.asApp,
      body: { since: since + 3600 },
    });
    assert.deepEqual(future.body, { queued: 0 });
    healthy = true;
    const count = target.deliveries().length;
    const recovered = await expectStatus(server, 202, 'POST', `/v1/webhooks/${hook.id}/recover`, {
      headers: app.asApp,
      body: { since },
    });
    assert.deepEqual(recovered.body, { queued: 2 });
    await waitFor(
      async () => (await deliveriesOf(server, app, hook.id, '?status=delivered')).length === 3,
      5000,
    );
    assert.equal(target.deliveries().length, count + 2);
    assertError(
      await server.request('POST', `/v1/webhooks/${hook.id}/recover`, { headers: app.asApp, body: {} }),
      400,
    );
  });

  it('disables a webhook after five days without a success; a success resets the clock', async () => {
    let status = 200;
    const target = await receiver((_req, res) => reply(res, status));
    const app = await createTestApp(server);
    const hook = await registerWebhook(server, app, target.url, ['chats:create']);
    const row = () =>
      server.sb.store.db
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', hook.id)
        .executeTakeFirstOrThrow();
    status = 500;
    await createChat(server, app, await createUser(server, app));
    await waitFor(async () => (await row()).failingSince !== null);
    status = 200;
    await waitFor(async () => (await row()).failingSince === null, 5000, 'a success clears the clock');

    status = 500;
    await server.sb.store.db
      .updateTable('webhooks')
      .set({ failingSince: Math.floor(Date.now() / 1000) - 5 * 86400 - 60 })
      .where('id', '=', hook.id)
      .execute();
    await createChat(server, app, await createUser(server, app));
    const webhook = await waitFor(async () => {
      const res = await expectStatus(server, 200, 'GET', `/v1/webhooks/${hook.id}`, { headers: app.asApp });
      return res.body.webhook.active === false && res.body.webhook;
    });
    assert.match(webhook.disabledReason, /No delivery succeeded for 5 days/);
    const pending = await deliveriesOf(server, app, hook.id, '?status=pending');
    assert.equal(pending.length, 1, 'nothing pending is dropped');
  });

  it('lists deliveries newest first with a status filter and cursor pages; 404s for unknown ones', async () => {
    const target = await receiver((req, res) => reply(res, req.json?.data.chat.priority === 1 ? 500 : 200));
    const app = await createTestApp(server);
    const hook = await registerWebhook(server, app, target.url, ['chats:create']);
    for (let i = 0; i < 5; i++)
      await createChat(server, app, await createUser(server, app), { priority: i === 2 ? 1 : 0 });
    await waitFor(async () => (await deliveriesOf(server, app, hook.id, '?status=delivered')).length === 4);
    const all = await deliveriesOf(server, app, hook.id);
    assert.equal(all.length, 5);
    const ids = all.map((d) => d.id);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: Json } = await expectStatus(
        server,
        200,
        'GET',
        `/v1/webhooks/${hook.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { headers: app.asApp },
      );
      assert.ok(res.body.deliveries.length <= 2);
      pages.push(...res.body.deliveries.map((d: Json) => d.id));
      cursor = res.body.next;
    } while (cursor);
    assert.deepEqual(pages, ids);
    const pending = await deliveriesOf(server, app, hook.id, '?status=pending');
    assert.equal(pending.length, 1);
    assert.equal(pending[0]!.attempts >= 1, true);
    assert.equal(pending[0]!.lastStatus, 500);
    assert.equal(typeof pending[0]!.nextAttempt, 'number');
    assertError(
      await server.request('GET', `/v1/webhooks/${hook.id}/deliveries?status=lost`, { headers: app.asApp }),
      400,
    );
    assertError(
      await server.request('GET', `/v1/webhooks/${hook.id}/deliveries/01NOTADELIVERY`, {
        headers: app.asApp,
      }),
      404,
    );
    // A delivery of another webhook is not found through this one.
    const otherTarget = await receiver((_req, res) => reply(res, 200));
    const other = await registerWebhook(server, app, otherTarget.url, ['messages:new']);
    assertError(
      await server.request('GET', `/v1/webhooks/${other.id}/deliveries/${ids[0]}`, { headers: app.asApp }),
      404,
    );
    assertError(
      await server.request('POST', `/v1/webhooks/${other.id}/deliveries/${ids[0]}/retry`, {
        headers: app.asApp,
      }),
      404,
    );
  });

  it('keeps to rateLimit deliveries per second', async () => {
    const target = await receiver((_req, res) => reply(res, 200));
    const app = await createTestApp(server);
    await registerWebhook(server, app, target.url, ['chats:create'], { rateLimit: 5 });
    for (let i = 0; i < 8; i++) await createChat(server, app, await createUser(server, app));
    await waitFor(async () => target.deliveries().length >= 8, 10000);
    const times = target.deliveries().map((r) => r.at);
    const span = Math.max(...times) - Math.min(...times);
    // 8 deliveries at 5 per second: at least 7 × 200 ms apart in all.
    assert.ok(span >= 1300, `8 deliveries took ${span} ms`);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 150, 'spaced out');
  });

  it('prunes logs and payloads after the retention window (30 days by default)', async () => {
    const target = await receiver((_req, res) => reply(res, 200));
    const app = await createTestApp(server);
    const hook = await registerWebhook(server, app, target.url, ['chats:create']);
    await createChat(server, app, await createUser(server, app));
    const [delivery] = await waitFor(async () => {
      const list = await deliveriesOf(server, app, hook.id, '?status=delivered');
      return list.length > 0 && list;
    });
    assert.equal(server.sb.webhooks.retentionDays, 30);
    const now = Math.floor(Date.now() / 1000);
    const before29 = await server.sb.webhooks.prune(now + 29 * 86400);
    assert.ok(
      (await deliveriesOf(server, app, hook.id)).length === 1,
      `kept at 29 days (${before29} pruned)`,
    );
    const pruned = await server.sb.webhooks.prune(now + 31 * 86400);
    assert.ok(pruned >= 1);
    assert.deepEqual(await deliveriesOf(server, app, hook.id), []);
    assertError(
      await server.request('GET', `/v1/webhooks/${hook.id}/deliveries/${delivery!.id}`, {
        headers: app.asApp,
      }),
      404,
    );
    const attempts = await server.sb.store.db
      .selectFrom('webhookAttempts')
      .select('id')
      .where('deliveryId', '=', delivery!.id)
      .execute();
    assert.deepEqual(attempts, [], 'its attempts went too');
  });
});

describeEachStore('webhooks: ordering and isolation', (kind) => {
  let server: TestServer;
  const receivers: Receiver[] = [];
  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
  });
  after(async () => {
    await server.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('keeps each chat’s events in order while the receiver fails intermittently; chats run in parallel', async () => {
    let calls = 0;
    const target = await startReceiver(
      withHandshake((_req, res) => {
        calls++;
        reply(res, calls % 3 === 0 ? 500 : 200);
      }),
    );
    receivers.push(target);
    const app = await createTestApp(server);
    await registerWebhook(server, app, target.url, ['messages:new']);
    const chats = await Promise.all([0, 1, 2, 3].map(() => openChat(server, app)));
    const expected = new Map<string, string[]>();
    await Promise.all(
      chats.map(async ({ user, chatId }) =>
        expected.set(chatId, await sendMessages(server, app, user, chatId, 6)),
      ),
    );
    const all = [...expected.values()].flat();
    await waitFor(
      async () => {
        const ok = new Set(
          target
            .deliveries()
            .filter((r) => r.json)
            .map(idOf),
        );
        return all.every((id) => ok.has(id));
      },
      30000,
      'all delivered',
    );
    assert.ok(calls > all.length, 'some attempts failed and were retried');
    // Per chat: the events asked for never go backwards, and each one was attempted until it succeeded.
    for (const [chatId, ids] of expected) {
      const seen = target
        .deliveries()
        .filter((r) => r.json?.data.message.chat === chatId)
        .map((r) => ids.indexOf(idOf(r)));
      for (let i = 1; i < seen.length; i++)
        assert.ok(seen[i]! >= seen[i - 1]!, `chat ${chatId}: ${seen.join(',')}`);
      assert.deepEqual(
        [...new Set(seen)],
        ids.map((_, i) => i),
      );
    }
  });

  it('a dead endpoint does not delay a healthy one', async () => {
    const dead = await startReceiver(
      withHandshake(() => {
        /* accepts, never answers */
      }),
    );
    const healthy = await startReceiver(withHandshake((_req, res) => reply(res, 200)));
    receivers.push(dead, healthy);
    const app = await createTestApp(server);
    await registerWebhook(server, app, dead.url, ['messages:new']);
    await registerWebhook(server, app, healthy.url, ['messages:new']);
    const chats = await Promise.all([0, 1, 2, 3, 4].map(() => openChat(server, app)));
    const sentAt = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      for (const { user, chatId } of chats) {
        const [id] = await sendMessages(server, app, user, chatId, 1);
        sentAt.set(id!, Date.now());
      }
    }
    await waitFor(
      async () => healthy.deliveries().length >= sentAt.size,
      5000,
      'the healthy endpoint got all',
    );
    const delays = healthy.deliveries().map((r) => r.at - sentAt.get(idOf(r))!);
    assert.ok(Math.max(...delays) < 1000, `healthy deliveries took at most ${Math.max(...delays)} ms`);
    // The dead one holds each chat's first event (waiting for its 2 s timeout); nothing more.
    assert.ok(dead.deliveries().length <= chats.length, `dead endpoint got ${dead.deliveries().length}`);
  });
});
