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
import { describeEachStore, type Json, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { type Receiver, reply, startReceiver, withHandshake } from './helpers/receiver.ts';
import { findInStore, rowCounts } from './helpers/scan.ts';
import { replayed, stream } from './helpers/stream.ts';
import { registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';
import { closedWithin, connect } from './helpers/ws.ts';

/** A multipart upload of one file, as a browser sends it. */
async function upload(
  server: TestServer,
  app: TestApp,
  user: Person,
  chatId: string,
  name: string,
  text: string,
) {
  const form = new FormData();
  form.append('chatId', chatId);
  form.append('media', new Blob([text], { type: 'text/plain' }), name);
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return server.request('POST', '/v1/media', {
    headers: { ...app.as(user.token), 'content-type': request.headers.get('content-type') ?? '' },
    body: Buffer.from(await request.arrayBuffer()),
  });
}

const COUNTED = ['users', 'chats', 'chat_users', 'messages', 'media', 'tickets', 'events', 'history_entries'];

describeEachStore('erasing an end user (DELETE /v1/users/{id})', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  let receiver: Receiver;
  let failing = true;
  let webhookId: string;
  let agent: Person;
  let zed: Person;
  let bob: Person;
  let zedChat: string;
  let pastChat: string;
  let bobChat: string;
  let mediaId: string;
  let cursor: string;
  const u = `${process.pid}${Date.now().toString(36)}`;
  const secret = {
    name: `Zed Quixote ${u}`,
    contact: `zed.${u}@mail.example`,
    marker: `xi-marker-${u}`,
    text: `my card is 4111-${u}`,
    second: `second line ${u}`,
    file: `passport-${u}.txt`,
    bytes: `file-bytes-${u}`,
    history: `bot asked ${u}`,
    survey: `the survey said ${u}`,
  };
  const bobText = `bob keeps this ${u}`;
  let before_: Record<string, number>;
  let zedMessages: Json[];

  before(async () => {
    receiver = await startReceiver(
      withHandshake((_request, response) => reply(response, failing ? 500 : 200)),
    );
    server = await startServer(kind, { ...WEBHOOK_ENV, SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1' });
    await server.sb.listen();
    app = await createTestApp(server);
    other = await createTestApp(server, 'Other');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    webhookId = (
      await registerWebhook(server, app, receiver.url, [
        'chats:create',
        'messages:new',
        'chats:close',
        'system:info',
        'users:erased',
      ])
    ).id;
    cursor = (await stream(server, app)).session.cursor;
    agent = await createAgent(server, app, { name: 'Ada' });
    zed = await createUser(server, app, {
      name: secret.name,
      contact: secret.contact,
      extraInfo: { note: secret.marker, plan: 'gold' },
    });
    bob = await createUser(server, app, { name: 'Bob Builder' });
    // A past chat whose survey Zed answered in its own words (docs/privacy.md, "Surveys").
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        surveys: [
          {
            id: 'csat',
            name: 'CSAT',
            questions: [
              { id: 'score', type: 'rating', text: 'How did we do?' },
              { id: 'comment', type: 'text', text: 'Anything else?' },
            ],
          },
        ],
        survey: { onClose: 'csat' },
      },
    });
    pastChat = (await createChat(server, app, zed)).id;
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${pastChat}`, {
      headers: app.as(zed.token),
      body: {},
    });
    await expectStatus(server, 201, 'POST', '/v1/surveys/csat/submit', {
      headers: app.as(zed.token),
      body: {
        sourceType: 'chat',
        sourceId: pastChat,
        answers: [
          { questionId: 'score', value: 5 },
          { questionId: 'comment', value: secret.survey },
        ],
      },
    });
    zedChat = (await createChat(server, app, zed)).id;
    bobChat = (await createChat(server, app, bob)).id;
    await expectStatus(server, 200, 'POST', `/v1/chats/${zedChat}/history`, {
      headers: app.as(zed.token),
      body: { history: [{ sender: 'assistant', message: secret.history, created: 1_700_000_000 }] },
    });
    await expectStatus(server, 200, 'POST', `/v1/chats/${zedChat}/join`, {
      headers: app.asApp,
      body: { userId: agent.id },
    });
    for (const message of [secret.text, secret.second])
      await expectStatus(server, 201, 'POST', `/v1/chats/${zedChat}/messages`, {
        headers: app.as(zed.token),
        body: { message },
      });
    // An agent quoting the user: its line stays, the user's name and contact go from it.
    await expectStatus(server, 201, 'POST', `/v1/chats/${zedChat}/messages`, {
      headers: app.as(agent.token),
      body: { message: `Hello ${secret.name}, we will write to ${secret.contact}` },
    });
    const uploaded = await upload(server, app, zed, zedChat, secret.file, secret.bytes);
    assert.equal(uploaded.status, 201, uploaded.text);
    mediaId = uploaded.body.media.id;
    await expectStatus(server, 201, 'POST', `/v1/chats/${bobChat}/messages`, {
      headers: app.as(bob.token),
      body: { message: bobText },
    });
    // Every delivery has failed its first attempts: the receiver refused them.
    await waitFor(
      async () => {
        const res = await server.request(
          'GET',
          `/v1/webhooks/${webhookId}/deliveries?status=failed&limit=100`,
          { headers: app.asApp },
        );
        const deliveries = res.body.deliveries as Json[];
        return deliveries.length >= 10 && deliveries.filter((d) => d.chatId === zedChat).length >= 5;
      },
      15000,
      'the deliveries to fail',
    );
    zedMessages = (
      await expectStatus(server, 200, 'GET', `/v1/chats/${zedChat}/messages`, { headers: app.asApp })
    ).body.messages;
    before_ = await rowCounts(server, COUNTED);
    const found = await findInStore(server, Object.values(secret));
    assert.ok(found.length > 10, `the secrets are stored before: ${found.length}`);
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it('refuses who may not erase, an agent, another app’s user and an unknown id', async () => {
    assertError(await server.request('DELETE', `/v1/users/${zed.id}`, { headers: app.as(agent.token) }), 403);
    assertError(await server.request('DELETE', `/v1/users/${zed.id}`, { headers: app.as(zed.token) }), 403);
    assertError(await server.request('DELETE', `/v1/users/${zed.id}`, { headers: other.asApp }), 404);
    assertError(
      await server.request('DELETE', '/v1/users/01JUNKNOWN0000000000000000', { headers: app.asApp }),
      404,
    );
    assertError(
      await server.request('DELETE', `/v1/users/${agent.id}`, { headers: app.asApp }),
      409,
      /DELETE \/v1\/agents/,
    );
    assertError(await server.request('GET', `/v1/users/${zed.id}/export`, { headers: other.asApp }), 404);
    assertError(
      await server.request('GET', `/v1/users/${zed.id}/export`, { headers: app.as(zed.token) }),
      403,
    );
  });

  it('erases name, contact, extraInfo, texts and bytes everywhere; closes its socket; keeps ids and counts', async () => {
    const socket = await connect(server, app, { token: zed.token });
    const res = await server.request('DELETE', `/v1/users/${zed.id}`, { headers: app.asApp });
    assert.equal(res.status, 204, res.text);
    assert.equal(await closedWithin(socket, 5000), 4001);
    assertError(await server.request('GET', `/v1/users/${zed.id}`, { headers: app.as(zed.token) }), 401);

    // A real search of every table of the store.
    assert.deepEqual(await findInStore(server, Object.values(secret)), []);
    // Nothing else went: Bob's line, and the counts.
    assert.ok((await findInStore(server, [bobText])).length > 0);
    const counts = await rowCounts(server, COUNTED);
    // Erasing closed Zed's open chat: chats:close, its ticket's system:info and users:erased were added.
    assert.deepEqual({ ...counts, events: counts.events! - 3, tickets: counts.tickets! - 1 }, before_);

    const view = (await expectStatus(server, 200, 'GET', `/v1/users/${zed.id}`, { headers: app.asApp })).body
      .user;
    assert.equal(view.name, 'Erased user');
    assert.equal(view.contact, undefined);
    assert.deepEqual(view.extraInfo, {});
    const messages = (
      await expectStatus(server, 200, 'GET', `/v1/chats/${zedChat}/messages`, { headers: app.asApp })
    ).body.messages as Json[];
    assert.deepEqual(
      messages.map((m) => [m.id, m.seq, m.sender, m.created]),
      zedMessages.map((m) => [m.id, m.seq, m.sender, m.created]),
    );
    assert.deepEqual(
      messages.filter((m) => m.sender === zed.id && m.type === 'text').map((m) => m.message),
      ['[erased]', '[erased]'],
    );
    const quoted = messages.find((m) => m.sender === agent.id);
    assert.equal(quoted?.message, 'Hello [erased], we will write to [erased]');
    const file = messages.find((m) => m.type === 'media');
    assert.equal(file?.message.name, '[erased]');
    assert.equal(file?.message.id, mediaId);
    assertError(await server.request('GET', `/v1/media/${mediaId}`, { headers: app.asApp }), 410);
    const listed = (
      await expectStatus(server, 200, 'GET', `/v1/media?chatId=${zedChat}`, { headers: app.asApp })
    ).body.media;
    assert.equal(listed[0].erased, true);
    const bobs = (
      await expectStatus(server, 200, 'GET', `/v1/chats/${bobChat}/messages`, { headers: app.asApp })
    ).body.messages as Json[];
    assert.equal(bobs[0]!.message, bobText);

    // The event log replays redacted data, every JSON valid; users:erased closes it.
    const replay = await stream(server, app, { cursor });
    const { frames } = await replayed(replay);
    replay.close();
    const text = JSON.stringify(frames);
    for (const value of Object.values(secret)) assert.ok(!text.includes(value), value);
    assert.ok(text.includes(bobText));
    const erased = frames.find((f) => f.trigger === 'users:erased');
    assert.deepEqual(erased?.data, { userId: zed.id });
    const creation = frames.find((f) => f.trigger === 'messages:new' && f.data.message.sender === zed.id);
    assert.equal(creation?.data.message.message, '[erased]');

    // Its survey answer lost its words and kept its rating (the CSAT figures stay true).
    const responses = (
      await expectStatus(server, 200, 'GET', '/v1/surveys/csat/responses', { headers: app.asApp })
    ).body.responses as Json[];
    assert.deepEqual(
      responses.filter((r) => r.chatId === pastChat).map((r) => r.answers),
      [
        [
          { questionId: 'score', value: 5 },
          { questionId: 'comment', value: '[erased]' },
        ],
      ],
    );
    const past = (await expectStatus(server, 200, 'GET', `/v1/chats/${pastChat}`, { headers: app.asApp }))
      .body.chat;
    assert.equal(past.rating, 5);

    // Token issuing, a second erasure: the state holds.
    assert.equal((await server.request('DELETE', `/v1/users/${zed.id}`, { headers: app.asApp })).status, 204);
    assert.deepEqual(await findInStore(server, Object.values(secret)), []);

    // The audit log has the one erasure that changed something, naming the user by id only.
    const entries = (
      await expectStatus(server, 200, 'GET', '/v1/audit?action=users.erase', { headers: app.asApp })
    ).body.entries as Json[];
    assert.deepEqual(
      entries.map((e) => [e.actor.kind, e.target]),
      [['secret', { type: 'user', id: zed.id }]],
    );
  });

  it('a webhook registered before gets the redacted payload when a delivery is retried', async () => {
    failing = false;
    const seen = receiver.deliveries().length;
    const failed = (
      await expectStatus(server, 200, 'GET', `/v1/webhooks/${webhookId}/deliveries?status=failed&limit=100`, {
        headers: app.asApp,
      })
    ).body.deliveries as Json[];
    const ofZed = failed.filter((d) => d.chatId === zedChat);
    assert.ok(ofZed.length >= 4, `deliveries of Zed's chat: ${ofZed.length}`);
    for (const delivery of ofZed)
      await expectStatus(server, 202, 'POST', `/v1/webhooks/${webhookId}/deliveries/${delivery.id}/retry`, {
        headers: app.asApp,
      });
    const bodies = await waitFor(
      async () => {
        const got = receiver.deliveries().slice(seen);
        return got.length >= ofZed.length && got.map((r) => r.body.toString('utf8'));
      },
      15000,
      'the retried deliveries',
    );
    for (const body of bodies) {
      const envelope = JSON.parse(body) as Json;
      for (const value of Object.values(secret)) assert.ok(!body.includes(value), `${value} in ${body}`);
      if (envelope.trigger === 'messages:new' && envelope.data.message.sender === zed.id)
        assert.ok(
          ['[erased]', '[erased]'].includes(
            envelope.data.message.message?.name ?? envelope.data.message.message,
          ),
        );
    }
    assert.ok(bodies.some((b) => b.includes('[erased]')));
    // The attempt log keeps statuses and times, not what the receiver answered.
    const detail = (
      await expectStatus(server, 200, 'GET', `/v1/webhooks/${webhookId}/deliveries/${ofZed[0]!.id}`, {
        headers: app.asApp,
      })
    ).body;
    assert.ok(!JSON.stringify(detail).includes(secret.name));
  });
});

describeEachStore('a pending webhook delivery retried after an erasure', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let receiver: Receiver;
  let failing = true;
  const u = `${process.pid}${Date.now().toString(36)}`;
  const secret = { name: `Yan Pending ${u}`, text: `pending text ${u}` };

  before(async () => {
    receiver = await startReceiver(
      withHandshake((_request, response) => reply(response, failing ? 503 : 200)),
    );
    // Retries 3 s apart: the delivery is still pending when the erasure commits.
    server = await startServer(kind, { ...WEBHOOK_ENV, SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '3,3,3' });
    app = await createTestApp(server);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
  });
  after(async () => {
    await server.close();
    await receiver.close();
  });

  it('sends the redacted body on its next automatic attempt', async () => {
    const hook = await registerWebhook(server, app, receiver.url, ['messages:new']);
    const yan = await createUser(server, app, { name: secret.name });
    const chatId = (await createChat(server, app, yan)).id;
    await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(yan.token),
      body: { message: secret.text },
    });
    // The first attempt was refused: the delivery waits for its retry.
    const pending = await waitFor(
      async () => {
        const res = await server.request('GET', `/v1/webhooks/${hook.id}/deliveries?status=pending`, {
          headers: app.asApp,
        });
        const found = (res.body.deliveries as Json[]).find((d) => d.attempts >= 1);
        return found;
      },
      10000,
      'a refused first attempt',
    );
    assert.ok(receiver.deliveries().some((r) => r.body.toString('utf8').includes(secret.text)));
    assert.equal((await server.request('DELETE', `/v1/users/${yan.id}`, { headers: app.asApp })).status, 204);
    failing = false;
    const seen = receiver.deliveries().length;
    const retried = await waitFor(
      async () =>
        receiver
          .deliveries()
          .slice(seen)
          .find((r) => r.headers['webhook-id'] === pending.eventId),
      15000,
      'the automatic retry',
    );
    const body = retried.body.toString('utf8');
    assert.ok(!body.includes(secret.text) && !body.includes(secret.name), body);
    assert.equal(JSON.parse(body).data.message.message, '[erased]');
  });
});
