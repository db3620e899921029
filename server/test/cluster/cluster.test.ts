import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  acceptedChat,
  Cluster,
  type ClusterApp,
  type ClusterNode,
  createClusterAgent,
  createClusterApp,
  createMember,
  eventually,
  expectCall,
  type Member,
} from '../helpers/cluster.ts';
import { type Receiver, reply, startReceiver, withHandshake } from '../helpers/receiver.ts';
import type { Client, Frame } from '../helpers/ws.ts';

/**
 * Three server processes (`node src/main.ts`, today's single role: each node does everything) on one
 * PostgreSQL schema and one Redis that the test starts itself: what an operator's cluster does when
 * nodes are killed with SIGKILL, restarted, and when Redis goes away and comes back.
 *
 * A killed node's durable timers and its agents' presence, and a node started while Redis is down:
 * failover.test.ts; the 2 api + 1 worker layout: roles.test.ts.
 */
const databaseUrl = process.env.SWITCHBOARD_TEST_DATABASE_URL;
const skip = databaseUrl
  ? false
  : 'needs SWITCHBOARD_TEST_DATABASE_URL (a 3-node cluster runs on PostgreSQL)';

/** Sends a message over REST; returns its id and event id. */
async function say(
  node: ClusterNode,
  app: ClusterApp,
  who: Member,
  chatId: string,
  text: string,
): Promise<{ id: string; eventId: string }> {
  const res = await expectCall(node, 201, 'POST', `/chats/${chatId}/messages`, {
    headers: app.as(who.token),
    body: { message: text },
  });
  return { id: res.body.message.id as string, eventId: res.body.eventId as string };
}

/** Message ids of the `messages:new` frames a socket has received so far (every frame, consumed or not). */
function messagesOf(client: Client): string[] {
  return client.received.filter((f) => f.event === 'messages:new').map((f) => f.data.message.id as string);
}

/** Waits until a socket has received every id of `expected` (in any order). */
async function hears(client: Client, expected: readonly string[], ms: number, what: string): Promise<void> {
  await eventually(
    async () => {
      const heard = new Set(messagesOf(client));
      return expected.every((id) => heard.has(id));
    },
    ms,
    `${what} (${expected.length} messages)`,
  );
}

function assertNoDuplicates(ids: readonly string[], what: string): void {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) twice.push(id);
    seen.add(id);
  }
  assert.deepEqual(twice, [], `${what}: no message twice`);
}

/** Reads a resumed stream: the replayed frames up to `resumed`. */
async function replayOf(client: Client): Promise<{ frames: Frame[]; resumed: Frame }> {
  const frames: Frame[] = [];
  for (;;) {
    const frame = await client.next(20_000, 'the replay');
    if (frame.event === 'resumed') return { frames, resumed: frame };
    frames.push(frame);
  }
}

describe('a 3-node cluster on PostgreSQL + Redis, real processes [postgres]', { skip }, () => {
  let cluster: Cluster;
  let A: ClusterNode;
  let B: ClusterNode;
  let C: ClusterNode;
  let app: ClusterApp;
  const sockets: Client[] = [];

  before(async () => {
    cluster = await Cluster.start(databaseUrl!, {
      nodes: 3,
      env: { SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1', SWITCHBOARD_WEBHOOK_TIMEOUT: '5' },
    });
    [A, B, C] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    app = await createClusterApp(cluster, A);
  });
  after(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await cluster?.close();
  });

  const open = async (node: ClusterNode, who: Member, cursor?: string) => {
    const socket = await node.connect(app.id, who.token, cursor);
    sockets.push(socket);
    return socket;
  };

  it('runs three nodes on the Redis bus: one channel, every node subscribed', async () => {
    for (const node of cluster.nodes) {
      const health = await expectCall(node, 200, 'GET', '/health');
      assert.equal(health.body.bus, 'redis');
    }
    const channels = await cluster.subscribers();
    const events = await cluster.eventChannel();
    assert.ok(events, `an event channel among ${JSON.stringify([...channels])}`);
    for (const [channel, count] of channels) assert.equal(count, 3, `every node subscribes to ${channel}`);
  });

  it('fan-out across nodes: a socket on B hears, in order, what was sent through A, and C hears B', async () => {
    const ada = await createClusterAgent(A, app, { maxChats: 10 });
    const { user: ann, chatId } = await acceptedChat(A, app, ada);
    const annOnB = await open(B, ann);
    const adaOnC = await open(C, ada);
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) sent.push((await say(A, app, ada, chatId, `a${i}`)).id);
    await hears(annOnB, sent, 15_000, 'Ann on B');
    assert.deepEqual(messagesOf(annOnB), sent, 'exactly what A committed, in order, once');
    // And the other way: Ann writes on her socket on B, Ada hears it on C.
    const ask = annOnB.request('messages:new', { chatId, message: 'from B' });
    await eventually(async () => annOnB.received.some((f) => f.ack === ask), 10_000, 'the ack on B');
    const fromB = annOnB.received.find((f) => f.ack === ask);
    assert.equal(fromB?.error, undefined, JSON.stringify(fromB));
    const mine = annOnB.received.filter((f) => f.event === 'messages:new').at(-1)!;
    assert.equal(mine.data.message.message, 'from B');
    await hears(adaOnC, [...sent, mine.data.message.id], 15_000, 'Ada on C');
    assert.deepEqual(messagesOf(adaOnC), [...sent, mine.data.message.id]);
  });

  it('resume on another node: away from A, back on C with the cursor — every missed message, once, in order', async () => {
    const ada = await createClusterAgent(A, app, { maxChats: 10 });
    const { user: ann, chatId } = await acceptedChat(B, app, ada);
    const annOnA = await open(A, ann);
    const first = await say(B, app, ada, chatId, 'before');
    await hears(annOnA, [first.id], 15_000, 'the first message on A');
    const cursor = annOnA.received.filter((f) => typeof f.cursor === 'string').at(-1)!.cursor as string;
    await annOnA.close();

    const missed: string[] = [];
    for (let i = 0; i < 30; i++) missed.push((await say(B, app, ada, chatId, `away ${i}`)).id);

    const back = await open(C, ann, cursor);
    assert.equal(back.session.cursor, cursor, 'the stream starts where the client left it');
    const { frames, resumed } = await replayOf(back);
    const replayed = frames.filter((f) => f.event === 'messages:new').map((f) => f.data.message.id as string);
    assert.deepEqual(replayed, missed, 'exactly the 30 missed messages, in order, none before the cursor');
    const cursors = frames.map((f) => f.cursor as string);
    assert.equal(new Set(cursors).size, cursors.length, 'no frame twice');
    assert.equal(resumed.data.replayed, frames.length);
    // Live again, on C, for a message sent through A.
    const live = await say(A, app, ada, chatId, 'after');
    await hears(back, [live.id], 15_000, 'the live message on C');
    assert.deepEqual(messagesOf(back), [...missed, live.id]);
  });

  it('capacity under concurrent accepts split across nodes: maxChats 3, 30 accepts → 3 active, 27 × 409', async () => {
    const capped = await createClusterApp(cluster, B, 'capacity');
    await expectCall(B, 200, 'PUT', '/settings', {
      headers: capped.asApp,
      body: { assign: { onCreate: false } },
    });
    const agent = await createClusterAgent(B, capped, { maxChats: 3 });
    const chats: string[] = [];
    for (let i = 0; i < 30; i++) {
      const node = cluster.nodes[i % 3]!;
      const user = await createMember(node, capped);
      const chat = await expectCall(node, 201, 'POST', '/chats', {
        headers: capped.as(user.token),
        body: {},
      });
      const chatId = chat.body.chat.id as string;
      await expectCall(node, 201, 'POST', '/invitations', {
        headers: capped.asApp,
        body: { chatId, userId: agent.id },
      });
      chats.push(chatId);
    }
    const answers = await Promise.all(
      chats.map((chatId, i) =>
        cluster.nodes[i % 3]!.request('POST', '/invitations/accept', {
          headers: capped.as(agent.token),
          body: { chatId },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, 3, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 27, statuses.join(','));
    for (const loser of answers.filter((a) => a.status === 409)) {
      assert.equal(loser.body.error?.code, 409, loser.text);
      assert.match(String(loser.body.error?.message), /no free slot/i, loser.text);
    }
    for (const node of cluster.nodes) {
      const view = await expectCall(node, 200, 'GET', `/agents/${agent.id}`, { headers: capped.asApp });
      assert.equal((view.body.agent.chats as unknown[]).length, 3, `node ${node.index} sees 3 chats`);
    }
    const [row] = await cluster.sql<{ active_chats: number }>(
      'select active_chats from users where id = $1',
      [agent.id],
    );
    assert.equal(Number(row?.active_chats), 3);
    const active = await cluster.sql<{ n: string }>(
      "select count(*) as n from chats where app_id = $1 and status = 'active'",
      [capped.id],
    );
    assert.equal(Number(active[0]?.n), 3);
  });

  it('kill -9 of the node holding sockets and the webhook lease: every acknowledged message is delivered, the others keep serving', async () => {
    const hooked = await createClusterApp(cluster, A, 'crash');
    // Slow answers until the kill, so deliveries are pending on the victim when it dies.
    let slow = true;
    const seen = new Map<string, number>();
    const receiver: Receiver = await startReceiver(
      withHandshake((request, response) => {
        // The webhook asks for messages:new alone; its webhook-id is the event id.
        const id = String(request.headers['webhook-id']);
        seen.set(id, (seen.get(id) ?? 0) + 1);
        if (slow) setTimeout(() => reply(response, 200), 1500).unref();
        else reply(response, 200);
      }),
    );
    try {
      const hook = await expectCall(A, 201, 'POST', '/webhooks', {
        headers: hooked.asApp,
        body: { target: receiver.url, events: ['messages:new'] },
      });
      const webhookId = hook.body.webhook.id as string;
      const ada = await createClusterAgent(A, hooked, { maxChats: 10 });
      const chats: Array<{ user: Member; chatId: string }> = [];
      for (let i = 0; i < 5; i++) chats.push(await acceptedChat(cluster.nodes[i % 3]!, hooked, ada));
      // Ada watches every chat from every node.
      const adaSockets = await Promise.all(cluster.nodes.map((node) => node.connect(hooked.id, ada.token)));
      sockets.push(...adaSockets);

      // Traffic: each chat's user writes through the nodes in turn, all the time.
      const acknowledged: Array<{ id: string; eventId: string; node: number }> = [];
      const afterKill: number[] = [];
      let killedAt = 0;
      let stop = false;
      let victim: ClusterNode | undefined;
      const writers = chats.map(async ({ user, chatId }, c) => {
        for (let k = 0; !stop; k++) {
          const node = cluster.nodes[(k + c) % 3]!;
          if (!node.alive()) continue;
          try {
            const res = await node.request('POST', `/chats/${chatId}/messages`, {
              headers: hooked.as(user.token),
              body: { message: `m${k}` },
            });
            if (res.status === 201) {
              acknowledged.push({ id: res.body.message.id, eventId: res.body.eventId, node: node.index });
              if (killedAt) afterKill.push(res.status);
            } else if (killedAt && node !== victim) afterKill.push(res.status);
          } catch (error) {
            // A connection reset by the node being killed: not acknowledged, so not expected.
            if (node === victim || !node.alive()) continue;
            throw error;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      });

      // The webhook's lease owner is `<pid>-<random>`: that node is the one to kill.
      const owner = await eventually(
        async () => {
          const rows = await cluster.sql<{ lease_owner: string | null }>(
            'select lease_owner from webhooks where id = $1',
            [webhookId],
          );
          const leased = rows[0]?.lease_owner;
          return leased && acknowledged.length >= 40 ? leased : undefined;
        },
        30_000,
        'a node to hold the webhook lease, with traffic flowing',
      );
      victim = cluster.nodeOfPid(Number(owner.split('-')[0]));
      assert.ok(victim, `the lease owner ${owner} is one of the nodes`);
      const pendingAtKill = acknowledged.length - seen.size;
      const heardByVictim = adaSockets[victim.index]!;
      await cluster.kill(victim.index);
      killedAt = Date.now();
      slow = false;
      assert.ok(pendingAtKill >= 10, `deliveries were pending on the victim (${pendingAtKill})`);
      assert.ok((await heardByVictim.closed).code !== 1000, "the victim's sockets dropped");

      // The others keep serving: a few seconds of traffic through the survivors.
      await eventually(
        async () => afterKill.length >= 30,
        30_000,
        'writes through the survivors after the kill',
      );
      stop = true;
      await Promise.all(writers);
      assert.deepEqual(
        afterKill.filter((s) => s !== 201),
        [],
        'every write through a surviving node succeeded',
      );

      // At least once: every acknowledged message's delivery arrives (dedupe by webhook-id).
      const expected = acknowledged.map((m) => m.eventId);
      assertNoDuplicates(expected, 'acknowledged event ids');
      await eventually(
        async () => expected.every((id) => seen.has(id)),
        60_000,
        'every delivery after the kill',
      );
      const tookOver = Date.now() - killedAt;
      // Issue 15: deliveries resume within 10 s (the lease, 5 s by default, plus a scan).
      assert.ok(tookOver <= 10_000, `every delivery arrived ${tookOver} ms after the kill (bound 10 s)`);
      const survivor = cluster.nodes.find((n) => n.alive())!;
      await eventually(
        async () => {
          const pending = await survivor.request(
            'GET',
            `/webhooks/${webhookId}/deliveries?status=pending&limit=10`,
            {
              headers: hooked.asApp,
            },
          );
          return pending.status === 200 && (pending.body.deliveries as unknown[]).length === 0;
        },
        30_000,
        'no delivery left pending',
      );
      const failed = await expectCall(
        survivor,
        200,
        'GET',
        `/webhooks/${webhookId}/deliveries?status=failed&limit=10`,
        {
          headers: hooked.asApp,
        },
      );
      assert.deepEqual(failed.body.deliveries, [], 'none given up');

      // The survivors' sockets heard everything live, once each.
      const ids = acknowledged.map((m) => m.id);
      for (const node of cluster.nodes.filter((n) => n.alive())) {
        const socket = adaSockets[node.index]!;
        await hears(socket, ids, 20_000, `Ada's socket on node ${node.index}`);
        assertNoDuplicates(messagesOf(socket), `node ${node.index}`);
      }
      // The victim's socket resumes on a survivor from the last cursor it got: nothing missed, nothing twice.
      const lastCursor = heardByVictim.received.filter((f) => typeof f.cursor === 'string').at(-1)!
        .cursor as string;
      const resumed = await survivor.connect(hooked.id, ada.token, lastCursor);
      sockets.push(resumed);
      const { frames } = await replayOf(resumed);
      const replayed = frames
        .filter((f) => f.event === 'messages:new')
        .map((f) => f.data.message.id as string);
      const both = [...messagesOf(heardByVictim), ...replayed];
      assertNoDuplicates(both, 'heard on the victim + replayed on the survivor');
      const union = new Set(both);
      assert.deepEqual(
        ids.filter((id) => !union.has(id)),
        [],
        'every acknowledged message was heard before the kill or replayed after it',
      );

      // Restart the victim: it serves again and hears the cluster.
      const back = await cluster.restart(victim.index);
      await expectCall(back, 200, 'GET', '/health');
      const again = await back.connect(hooked.id, ada.token);
      sockets.push(again);
      const other = cluster.nodes.find((n) => n !== back)!;
      const last = await say(other, hooked, chats[0]!.user, chats[0]!.chatId, 'after the restart');
      await hears(again, [last.id], 15_000, 'the restarted node');
      await eventually(async () => seen.has(last.eventId), 30_000, 'the delivery after the restart');
      process.stderr.write(
        `# kill -9: ${acknowledged.length} acknowledged, ${pendingAtKill} pending at the kill, all delivered ${tookOver} ms after it; ${[...seen.values()].filter((n) => n > 1).length} duplicates\n`,
      );
    } finally {
      await receiver.close();
    }
  });

  it('Redis killed and restarted while traffic flows: nothing lost (store catch-up), fan-out through Redis resumes', async () => {
    const ada = await createClusterAgent(A, app, { maxChats: 10 });
    const { user: ann, chatId } = await acceptedChat(A, app, ada);
    const live = cluster.nodes.filter((n) => n.alive());
    const writer = live[0]!;
    const listener = live[1]!;
    const annOnListener = await open(listener, ann);

    const sent: string[] = [];
    const failures: string[] = [];
    let stop = false;
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        const res = await writer.request('POST', `/chats/${chatId}/messages`, {
          headers: app.as(ada.token),
          body: { message: `r${i}` },
        });
        if (res.status === 201) sent.push(res.body.message.id as string);
        else failures.push(`${res.status} ${res.text}`);
        await new Promise((r) => setTimeout(r, 30));
      }
    })();

    await eventually(async () => sent.length >= 10, 20_000, '10 messages before the outage');
    await hears(annOnListener, sent.slice(0, 10), 15_000, 'the first 10');
    await cluster.redis.kill();
    const duringFrom = sent.length;
    await eventually(async () => sent.length >= duringFrom + 20, 30_000, '20 messages during the outage');
    // Heard during the outage already: the store catch-up, with no bus at all.
    const during = sent.slice(duringFrom, duringFrom + 20);
    await hears(annOnListener, during, 20_000, 'the messages sent while Redis is down');

    await cluster.redis.restart();
    // Every node subscribes again…
    await eventually(
      async () => {
        const channels = await cluster.subscribers();
        return channels.size > 0 && [...channels.values()].every((n) => n === live.length);
      },
      30_000,
      'every node to subscribe again',
    );
    // …and publishes again: a subscriber of our own sees the writer's next events on the channel.
    const channel = await cluster.eventChannel();
    assert.ok(channel);
    const spy = cluster.redis.client();
    let published = 0;
    spy.on('message', () => {
      published++;
    });
    try {
      await spy.subscribe(channel);
      await eventually(async () => published >= 5, 20_000, 'events published on Redis again');
    } finally {
      spy.disconnect();
    }
    const resumedFrom = sent.length;
    await eventually(async () => sent.length >= resumedFrom + 10, 20_000, '10 messages after the outage');
    stop = true;
    await traffic;

    assert.deepEqual(failures, [], 'every write was acknowledged, Redis or not');
    await hears(annOnListener, sent, 20_000, 'every message');
    assert.deepEqual(messagesOf(annOnListener), sent, 'every message, in order, once');
    const health = await expectCall(listener, 200, 'GET', '/health');
    assert.equal(health.body.bus, 'redis');
  });
});
