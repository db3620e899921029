import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startReceiver } from '../../server/test/helpers/receiver.ts';
import { WEBHOOK_ENV } from '../../server/test/helpers/webhooks.ts';
import { createClient, SwitchboardError } from '../src/index.ts';
import { describeEachStore, freePort, type LiveServer, startLive, waitFor } from './helpers/live.ts';

/** Every route family of docs/api.md through the typed client, against a listening server. */

async function rejects(
  promise: Promise<unknown>,
  status: number,
  message?: RegExp,
): Promise<SwitchboardError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SwitchboardError, `a SwitchboardError, got ${String(error)}`);
    assert.equal(error.status, status, error.message);
    assert.equal(error.code, status);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected a ${status}`);
}

describeEachStore('SDK REST client', (kind) => {
  let live: LiveServer;
  before(async () => {
    live = await startLive(kind, WEBHOOK_ENV);
  });
  after(() => live.close());

  it('apps, settings, ids and health', async () => {
    const created = await live.admin.apps.create({ name: 'Second', domains: ['example.com'] });
    assert.equal(created.app.name, 'Second');
    assert.match(created.secret, /\S+/);
    const { apps } = await live.admin.apps.list();
    assert.ok(apps.some((a) => a.id === created.app.id));
    assert.equal((await live.asApp.apps.get(live.app.id)).app.id, live.app.id);
    assert.deepEqual((await live.asApp.apps.update(live.app.id, { name: 'Renamed' })).app.name, 'Renamed');
    const validate = await live.asApp.apps.validate(live.app.id);
    assert.equal(validate.valid, true);
    const { settings } = await live.asApp.settings.update({ queue: { active: false }, langs: ['en', 'fr'] });
    assert.deepEqual(settings.langs, ['en', 'fr']);
    assert.deepEqual((await live.asApp.settings.get()).settings.langs, ['en', 'fr']);
    assert.match((await live.asApp.id()).id, /^[0-9A-Za-z_-]+$/);
    assert.equal((await live.asApp.health()).status, 'ok');
    // Another app's secret sees none of this app (404, not 403).
    const other = createClient({ baseUrl: live.url, appId: created.app.id, secret: created.secret });
    await rejects(other.apps.get(live.app.id), 404);
    // Rotation: the new secret works, the old one (no grace) answers 401.
    const { secret } = await other.apps.rotate(created.app.id);
    assert.match(secret, /^sk_/);
    await rejects(other.apps.get(created.app.id), 401);
    const rotated = createClient({ baseUrl: live.url, appId: created.app.id, secret });
    assert.equal((await rotated.apps.get(created.app.id)).app.id, created.app.id);
    // Deleting an agent: 204, and it stays, anonymised and inactive.
    const { agent } = await rotated.agents.create({
      name: 'Temp',
      contact: 'temp@example.com',
      password: 'pw-123456',
      rooms: [1],
    });
    assert.equal(agent.active, true);
    assert.equal(await rotated.agents.delete(agent.id), undefined);
    const gone = (await rotated.agents.get(agent.id)).agent;
    assert.equal(gone.active, false);
    assert.equal(gone.contact, undefined);
  });

  it('exports and erases an end user (users.export, users.erase)', async () => {
    const api = live.asApp;
    const { user } = await api.users.create({ name: `Eve ${kind}`, contact: `eve-${kind}@example.com` });
    const exported = await api.users.export(user.id, { limit: 10 });
    assert.equal(exported.user.contact, `eve-${kind}@example.com`);
    assert.deepEqual(exported.chats, []);
    assert.equal(exported.next, null);
    assert.equal(await api.users.erase(user.id), undefined);
    const erased = (await api.users.get(user.id)).user;
    assert.equal(erased.name, 'Erased user');
    assert.equal(erased.contact, undefined);
  });

  it('users, agents, chats, messages, invitations, queues, media and tickets', async () => {
    const api = live.asApp;
    const { user: ann, session } = await api.users.create({ name: 'Ann', externalId: `ann-${kind}` });
    assert.equal(ann.role, 'user');
    assert.ok((await api.users.list({ externalId: `ann-${kind}` })).users.some((u) => u.id === ann.id));
    assert.equal((await api.users.update(ann.id, { name: 'Ann B' })).user.name, 'Ann B');
    assert.equal((await api.users.get(ann.id)).user.name, 'Ann B');
    assert.match((await api.users.token(ann.id)).session.token, /\S+/);

    const { agent: ada } = await api.agents.create({
      name: 'Ada',
      contact: `ada-${kind}@example.com`,
      password: 'correct horse',
      rooms: [1],
    });
    const login = await api.agents.login({ contact: `ada-${kind}@example.com`, password: 'correct horse' });
    assert.equal(login.user.id, ada.id);
    assert.ok((await api.agents.list()).agents.some((a) => a.id === ada.id));
    assert.equal((await api.agents.get(ada.id)).agent.id, ada.id);
    assert.equal((await api.agents.update(ada.id, { maxChats: 4 })).agent.maxChats, 4);
    assert.equal(typeof (await api.agents.available({ roomIds: '1' })).agents['1'], 'number');
    assert.equal((await api.agents.online({ roomId: 1 })).agentsOnline, true);

    // Ann opens a chat with her own token; the loop invites Ada, who accepts.
    const asAnn = live.client({ token: session.token });
    const { chat } = await asAnn.chats.create({ lang: 'en' });
    assert.equal(chat.creator, ann.id);
    const invitation = await waitFor(async () => {
      const { invitations } = await api.invitations.list({ userId: ada.id, status: 'pending' });
      return invitations.find((i) => i.chatId === chat.id);
    });
    assert.equal(invitation.status, 'pending');
    const accepted = await api.invitations.accept({ chatId: chat.id, userId: ada.id });
    assert.equal(accepted.chat.status, 'active');
    assert.ok((await api.chats.list({ status: 'active' })).chats.some((c) => c.id === chat.id));
    assert.equal((await api.chats.get(chat.id, { fields: 'users' })).chat.id, chat.id);
    assert.equal((await api.chats.update(chat.id, { priority: 5 })).chat.priority, 5);
    assert.equal((await api.chats.users(chat.id)).users.length, 2);

    const sent = await asAnn.chats.send(chat.id, { message: 'Hello', clientId: 'c-1' });
    const again = await asAnn.chats.send(chat.id, { message: 'Hello', clientId: 'c-1' });
    assert.equal(again.message.id, sent.message.id, 'the same clientId is the same message');
    const { messages } = await api.chats.messages(chat.id);
    assert.deepEqual(
      messages.map((m) => m.message),
      ['Hello'],
    );
    const read = await live.client({ token: login.session.token }).messages.read(sent.message.id);
    assert.equal(read.userId, ada.id);
    assert.equal((await api.users.activity(ann.id, { chatId: chat.id, type: 'writing' })).success, true);
    await api.chats.importHistory(chat.id, {
      history: [{ sender: 'assistant', message: 'Bot hi', created: 1 }],
    });
    assert.ok((await api.chats.history(chat.id)).history.length >= 2);
    assert.match(await api.chats.historyCsv(chat.id), /^created,sender,type,message/);

    const uploaded = await api.media.upload({
      chatId: chat.id,
      senderId: ann.id,
      file: new Blob(['plain words'], { type: 'text/plain' }),
      name: 'note.txt',
    });
    assert.ok((await api.media.list({ chatId: chat.id })).media.some((m) => m.id === uploaded.media.id));
    assert.equal(new TextDecoder().decode(await api.media.download(uploaded.media.id)), 'plain words');
    // With a user's token the sender is the token's user: no senderId in the form.
    const own = await asAnn.media.upload({
      chatId: chat.id,
      file: new Blob(['her words'], { type: 'text/plain' }),
      name: 'hers.txt',
    });
    assert.equal(own.message.sender, ann.id);
    assert.equal(own.message.type, 'media');

    assert.equal(typeof (await api.queues.status()).queues, 'object');
    assert.equal((await api.queues.position(chat.id)).chatId, chat.id);

    // Toinbox, transfer-free invitation round trip, then close → ticket.
    const { agent: bob } = await api.agents.create({
      name: 'Bob',
      contact: `bob-${kind}@example.com`,
      password: 'correct horse',
      rooms: [1],
    });
    await api.agents.login({ contact: `bob-${kind}@example.com`, password: 'correct horse' });
    const invited = await api.invitations.create({ chatId: chat.id, userId: bob.id });
    assert.equal(invited.invitation.userId, bob.id);
    assert.equal(
      (await api.invitations.reject({ chatId: chat.id, userId: bob.id })).invitation.status,
      'rejected',
    );
    await api.chats.join(chat.id, { userId: bob.id });
    assert.ok((await api.chats.leave(chat.id, { userId: bob.id })).chat.users.every((u) => u !== bob.id));
    // Supervision: the secret names the agent who watches, then takes the chat over.
    const watched = await api.chats.watch(chat.id, { userId: bob.id });
    assert.deepEqual(
      watched.chat.watchers.map((u) => u.id),
      [bob.id],
    );
    assert.deepEqual((await api.chats.unwatch(chat.id, bob.id)).chat.watchers, []);
    // Bob takes the chat over (its other agents leave); toinbox below then sends it back.
    assert.ok((await api.chats.intervene(chat.id, { userId: bob.id })).chat.users.includes(bob.id));
    assert.equal((await api.chats.toInbox(chat.id)).chat.status, 'waiting');
    // toinbox restarted the loop: /assign answers 202 with the running loop's parameters.
    assert.equal(typeof (await api.chats.assign(chat.id)).assignment.maxAttempts, 'number');
    const closed = await api.chats.close(chat.id, { extraData: { reason: 'done' } });
    assert.equal(closed.chat.status, 'closed');
    const ticket = await waitFor(async () => (await api.tickets.list({ externalId: chat.id })).tickets[0]);
    assert.equal((await api.tickets.get(ticket.id)).ticket.chatId, chat.id);
    await api.agents.logout({ agentId: ada.id });
    assert.equal((await api.agents.get(ada.id)).agent.status, 'offline');
  });

  it('webhooks and their delivery log', async () => {
    const receiver = await startReceiver();
    try {
      const api = live.asApp;
      const { webhook, secret } = await api.webhooks.create({
        target: `${receiver.url}/hook`,
        events: ['chats:create'],
      });
      assert.match(secret, /^whsec_/);
      assert.ok((await api.webhooks.list()).webhooks.some((w) => w.id === webhook.id));
      assert.equal((await api.webhooks.get(webhook.id)).webhook.target, `${receiver.url}/hook`);
      assert.equal((await api.webhooks.update(webhook.id, { rateLimit: 50 })).webhook.rateLimit, 50);
      await api.chats.create({ creator: (await api.users.create({ name: 'Cy' })).user.id });
      const delivery = await waitFor(async () => {
        const { deliveries } = await api.webhooks.deliveries(webhook.id, { status: 'delivered' });
        return deliveries[0];
      });
      const detail = await api.webhooks.delivery(webhook.id, delivery.id);
      assert.equal(detail.delivery.id, delivery.id);
      await api.webhooks.retry(webhook.id, delivery.id);
      assert.equal(typeof (await api.webhooks.recover(webhook.id, { since: 0 })).queued, 'number');
      assert.match((await api.webhooks.rotate(webhook.id)).secret, /^whsec_/);
      assert.equal(await api.webhooks.delete(webhook.id), undefined);
      await rejects(api.webhooks.get(webhook.id), 404);
    } finally {
      await receiver.close();
    }
  });

  it('client.request reaches any route; errors are SwitchboardError with the envelope', async () => {
    const { chats } = await live.asApp.request<{ chats: unknown[] }>('get', '/chats', {
      query: { limit: 1 },
    });
    assert.ok(Array.isArray(chats));
    const invalid = await rejects(live.asApp.request('post', '/agents', { body: { name: 1 } }), 400);
    assert.ok(Array.isArray(invalid.details) && invalid.details.length > 0, 'details name the bad fields');
    await rejects(live.client({ secret: 'wrong' }).settings.get(), 401);
    await rejects(live.asApp.chats.get('nope'), 404);
    const nobody = createClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, appId: 'x', secret: 'y' });
    const unreachable = await rejects(nobody.settings.get(), 0, /cannot reach http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(unreachable.code, 0);
    assert.throws(() => createClient({ baseUrl: 'localhost:8000' }), TypeError);
  });
});
