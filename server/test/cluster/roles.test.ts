import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Cluster,
  type ClusterApp,
  type ClusterNode,
  createClusterAgent,
  createClusterApp,
  createMember,
  eventually,
  expectCall,
  type Member,
  rolesSupported,
} from '../helpers/cluster.ts';
import { type Receiver, reply, startReceiver, withHandshake } from '../helpers/receiver.ts';
import type { Client } from '../helpers/ws.ts';

/**
 * The layout 2 api + 1 worker (issue 15: `--role api|worker|all`), real processes on PostgreSQL and
 * the test's own Redis: API nodes serve REST and sockets, the worker delivers webhooks and fires
 * durable timers; kill -9 of the worker and a restart resume its work with nothing lost. `--role` is
 * built on its own branch: until the server accepts it, these tests skip and say why.
 */
const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const skip = !databaseUrl
  ? 'needs SWITCHBOARD_TEST_DATABASE_URL (a 3-node cluster runs on PostgreSQL)'
  : !(await rolesSupported())
    ? 'the server rejects --role (the worker role of issue 15 is not merged yet)'
    : false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('2 api + 1 worker, real processes [postgres]', { skip }, () => {
  let cluster: Cluster;
  let api0: ClusterNode;
  let api1: ClusterNode;
  let worker: ClusterNode;
  let app: ClusterApp;
  let agent: Member;
  const sockets: Client[] = [];
  /** Deliveries by event id (webhook-id), with how many times each came. */
  const seen = new Map<string, number>();
  let receiver: Receiver;
  let webhookId: string;

  before(async () => {
    cluster = await Cluster.start(databaseUrl!, {
      nodes: [{ role: 'api' }, { role: 'api' }, { role: 'worker' }],
      env: { SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1', SWITCHBOARD_WEBHOOK_TIMEOUT: '5' },
    });
    [api0, api1, worker] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    app = await createClusterApp(cluster, api0, 'roles');
    receiver = await startReceiver(
      withHandshake((request, response) => {
        const id = String(request.headers['webhook-id']);
        seen.set(id, (seen.get(id) ?? 0) + 1);
        reply(response, 200);
      }),
    );
    const hook = await expectCall(api0, 201, 'POST', '/webhooks', {
      headers: app.asApp,
      body: { target: receiver.url, events: ['messages:new'] },
    });
    webhookId = hook.body.webhook.id as string;
    agent = await createClusterAgent(api0, app, { maxChats: 50 });
  });
  after(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await cluster?.close();
    await receiver?.close();
  });

  /** A new user's chat; resolves once `agent` is invited (a jump: a durable timer, the worker's). */
  async function invitedChat(node: ClusterNode, ms = 20_000): Promise<{ user: Member; chatId: string }> {
    const user = await createMember(node, app);
    const created = await expectCall(node, 201, 'POST', '/chats', { headers: app.as(user.token), body: {} });
    const chatId = created.body.chat.id as string;
    await eventually(async () => (await pending(chatId)) > 0, ms, 'the invitation');
    return { user, chatId };
  }
  async function pending(chatId: string): Promise<number> {
    const res = await api1.request('GET', `/invitations?status=pending&chatId=${chatId}`, {
      headers: app.as(agent.token),
    });
    return (res.body.invitations as unknown[] | undefined)?.length ?? 0;
  }
  async function say(node: ClusterNode, who: Member, chatId: string, text: string) {
    const res = await expectCall(node, 201, 'POST', `/chats/${chatId}/messages`, {
      headers: app.as(who.token),
      body: { message: text },
    });
    return { id: res.body.message.id as string, eventId: res.body.eventId as string };
  }

  it('fan-out across API nodes, webhooks delivered by the worker alone', async () => {
    const { user, chatId } = await invitedChat(api0);
    await expectCall(api0, 200, 'POST', '/invitations/accept', {
      headers: app.as(agent.token),
      body: { chatId },
    });
    const onApi1 = await api1.connect(app.id, user.token);
    sockets.push(onApi1);
    const sent: Array<{ id: string; eventId: string }> = [];
    const owners = new Set<string>();
    for (let i = 0; i < 20; i++) {
      sent.push(await say(api0, agent, chatId, `m${i}`));
      const [row] = await cluster.sql<{ lease_owner: string | null }>(
        'select lease_owner from webhooks where id = $1',
        [webhookId],
      );
      if (row?.lease_owner) owners.add(row.lease_owner.split('-')[0]!);
    }
    await eventually(
      async () => {
        const heard = new Set(
          onApi1.received.filter((f) => f.event === 'messages:new').map((f) => f.data.message.id),
        );
        return sent.every((m) => heard.has(m.id));
      },
      15_000,
      'every message on api1',
    );
    await eventually(async () => sent.every((m) => seen.has(m.eventId)), 15_000, 'every delivery');
    // Sampled leases (a pump may come and go between samples, so the set can be empty).
    for (const owner of owners)
      assert.equal(owner, String(worker.pid), 'only the worker holds the webhook lease');
    // With the worker frozen, no API node delivers: the messages wait for it, and all come after.
    cluster.pause(worker.index);
    const held: Array<{ id: string; eventId: string }> = [];
    try {
      for (let i = 0; i < 5; i++)
        held.push(await say(i % 2 === 0 ? api0 : api1, agent, chatId, `frozen${i}`));
      await sleep(2000);
      assert.equal(
        held.filter((m) => seen.has(m.eventId)).length,
        0,
        'nothing delivered while the only worker is frozen',
      );
    } finally {
      cluster.resume(worker.index);
    }
    await eventually(
      async () => held.every((m) => seen.has(m.eventId)),
      15_000,
      'every delivery after the thaw',
    );
  });

  it('durable timers fire on the worker: frozen worker, no jump; thawed, the invitation comes', async () => {
    cluster.pause(worker.index);
    let chatId: string;
    try {
      const user = await createMember(api0, app);
      const created = await expectCall(api0, 201, 'POST', '/chats', {
        headers: app.as(user.token),
        body: {},
      });
      chatId = created.body.chat.id as string;
      await sleep(2000);
      assert.equal(await pending(chatId), 0, 'the API nodes do not run the jump');
    } finally {
      cluster.resume(worker.index);
    }
    await eventually(async () => (await pending(chatId)) > 0, 15_000, 'the invitation from the worker');
  });

  it('kill -9 of the worker, then a restart: deliveries and timers resume, nothing lost', async () => {
    const { chatId } = await invitedChat(api1);
    await expectCall(api1, 200, 'POST', '/invitations/accept', {
      headers: app.as(agent.token),
      body: { chatId },
    });
    await cluster.kill(worker.index);
    // While it is down the API nodes acknowledge writes and new chats; nothing is delivered or routed.
    const sent: Array<{ id: string; eventId: string }> = [];
    for (let i = 0; i < 10; i++) sent.push(await say(i % 2 ? api0 : api1, agent, chatId, `down ${i}`));
    const user = await createMember(api0, app);
    const created = await expectCall(api0, 201, 'POST', '/chats', { headers: app.as(user.token), body: {} });
    const waiting = created.body.chat.id as string;
    await cluster.restart(worker.index);
    await eventually(
      async () => sent.every((m) => seen.has(m.eventId)),
      15_000,
      'deliveries after the restart',
    );
    await eventually(async () => (await pending(waiting)) > 0, 15_000, 'the jump after the restart');
    const twice = [...seen.entries()].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'no delivery twice (the worker died idle)');
  });
});
