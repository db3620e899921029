import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { verifyWebhook } from '@switchboard/sdk/webhooks';
import { Webhook } from 'standardwebhooks';
import { describeEachStore, type LiveServer, startLive, waitFor } from '../../sdk/test/helpers/live.ts';
import { reply, startReceiver } from '../../server/test/helpers/receiver.ts';
import { localSecret } from '../src/local-secret.ts';
import { start } from './helpers/run.ts';

/**
 * `switchboard listen` forwards real events to a local receiver that checks them with verifyWebhook
 * and chooses the agent of a chats:assign; `switchboard tail --json` prints one frame per line.
 */
describeEachStore('switchboard listen and tail', (kind) => {
  let live: LiveServer;
  let env: Record<string, string>;
  before(async () => {
    live = await startLive(kind);
    env = { SWITCHBOARD_URL: live.url, SWITCHBOARD_APP_ID: live.app.id, SWITCHBOARD_SECRET: live.app.secret };
  });
  after(() => live.close());

  it('listen --forward-to: signed events, the same secret each run, chats:assign answered by the receiver', async () => {
    const agents: string[] = [];
    for (const name of ['Ada', 'Bob']) {
      const contact = `${name}-listen-${kind}@example.com`;
      const { agent } = await live.asApp.agents.create({
        name,
        contact,
        password: 'correct horse',
        rooms: [1],
      });
      await live.asApp.agents.login({ contact, password: 'correct horse' });
      agents.push(agent.id);
    }
    // Least-busy would take the smaller id (equal load): the receiver chooses the other.
    const chosen = [...agents].sort().at(-1) ?? '';
    const secret = localSecret(live.app.id, live.app.secret);
    const verified: Array<{ trigger: string; id: string | undefined }> = [];
    const receiver = await startReceiver(async (request, response) => {
      try {
        const envelope = await verifyWebhook({ secret, body: request.body, headers: request.headers });
        // Both signatures: X-Hook-Signature alone verifies too, and the reference library agrees.
        const {
          'webhook-id': id,
          'webhook-timestamp': ts,
          'webhook-signature': sig,
          ...hookOnly
        } = request.headers;
        await verifyWebhook({ secret, body: request.body, headers: hookOnly });
        new Webhook(secret).verify(request.body.toString(), {
          'webhook-id': String(id),
          'webhook-timestamp': String(ts),
          'webhook-signature': String(sig),
        });
        verified.push({ trigger: envelope.trigger, id: request.headers['webhook-id'] as string | undefined });
        reply(
          response,
          200,
          envelope.trigger === 'chats:assign' ? JSON.stringify({ agentId: chosen }) : '{}',
        );
      } catch {
        reply(response, 400, '{"error":"bad signature"}');
      }
    });
    const listen = start(['listen', '--forward-to', `${receiver.url}/hooks`], env);
    try {
      await waitFor(async () => listen.stderr().includes('Ready.'), 20000, 'listen to connect');
      assert.match(
        listen.stderr(),
        new RegExp(`Signing secret \\(the same on every run\\): ${secret.replace(/[+/]/g, '\\$&')}`),
      );
      const { user } = await live.asApp.users.create({ name: 'Cy' });
      const { chat } = await live.asApp.chats.create({ creator: user.id });
      const invitation = await waitFor(async () => {
        const { invitations } = await live.asApp.invitations.list({ status: 'pending' });
        return invitations.find((i) => i.chatId === chat.id);
      });
      assert.equal(invitation.userId, chosen, 'the agent the local receiver chose');
      await live.asApp.chats.send(chat.id, { message: 'hello' });
      await waitFor(
        async () => verified.some((v) => v.trigger === 'messages:new'),
        10000,
        'messages:new forwarded',
      );
      const triggers = verified.map((v) => v.trigger);
      for (const trigger of ['chats:create', 'chats:assign', 'invitations:new', 'messages:new']) {
        assert.ok(triggers.includes(trigger), `${trigger} forwarded and verified (${triggers.join(', ')})`);
      }
      assert.equal(receiver.received.length, verified.length, 'every forwarded request verified');
      assert.ok(
        verified.every((v) => v.id),
        'each carries its event id',
      );
      await waitFor(
        async () => /messages:new\s+chat \S+\s+→ 200 {2}\d+ ms/.test(listen.stdout()),
        5000,
        'a line',
      );
      assert.match(
        listen.stdout(),
        new RegExp(`chats:assign\\s+chat ${chat.id}\\s+→ 200 {2}\\d+ ms {2}agent ${chosen}`),
      );
    } finally {
      assert.equal(await listen.stop(), 0);
      await receiver.close();
    }
  });

  it('tail --json prints each event as one JSON object per line', async () => {
    const tail = start(['tail', '--json', '--events', 'messages:new,chats:close'], env);
    try {
      await waitFor(async () => tail.stderr().includes('Ready.'), 20000, 'tail to connect');
      const { user } = await live.asApp.users.create({ name: 'Di' });
      const { chat } = await live.asApp.chats.create({ creator: user.id });
      await live.asApp.chats.send(chat.id, { message: 'one' });
      await live.asApp.chats.send(chat.id, { message: 'two' });
      await live.asApp.chats.close(chat.id);
      await waitFor(async () => tail.stdout().trimEnd().split('\n').length >= 3, 10000, 'three lines');
      const frames = tail
        .stdout()
        .trimEnd()
        .split('\n')
        .map(
          (line) =>
            JSON.parse(line) as { trigger: string; appId: string; id: string; cursor: string; data: never },
        );
      assert.deepEqual(
        frames.map((f) => f.trigger),
        ['messages:new', 'messages:new', 'chats:close'],
      );
      assert.ok(frames.every((f) => f.appId === live.app.id && f.id && f.cursor));
    } finally {
      assert.equal(await tail.stop(), 0);
    }
    // Without --json: one readable line per event.
    const human = start(['tail', '--events', 'messages:new'], env);
    try {
      await waitFor(async () => human.stderr().includes('Ready.'), 20000, 'tail to connect');
      const { user } = await live.asApp.users.create({ name: 'Ed' });
      const { chat } = await live.asApp.chats.create({ creator: user.id });
      await live.asApp.chats.send(chat.id, { message: 'readable' });
      await waitFor(async () => human.stdout().includes('"readable"'), 10000, 'the line');
      assert.match(
        human.stdout(),
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d  messages:new\\s+chat ${chat.id}  system: "readable"$`, 'm'),
      );
    } finally {
      assert.equal(await human.stop(), 0);
    }
  });
});
