import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { rtDb } from '../src/store/realtime-tables.ts';
import { createTestApp, expectStatus } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';
import { chatWithAgent } from './helpers/ws.ts';

/**
 * The outbox hands each event of an app its position when the change commits (events/outbox.ts): one
 * statement on PostgreSQL, several on SQLite. Whatever the road, positions have no gaps or repeats,
 * follow the order the change emitted its events in, and each event's audience is stored beside it.
 */
describeEachStore('outbox: event positions', (kind) => {
  let server: TestServer;
  before(async () => {
    server = await startServer(kind);
  });
  after(() => server.close());

  async function stored(appId: string) {
    const events = await server.sb.store.db
      .selectFrom('events')
      .select(['seq', 'position', 'trigger', 'chatId', 'data'])
      .where('appId', '=', appId)
      .orderBy('position')
      .execute();
    const audience = await rtDb(server.sb.store.db)
      .selectFrom('realtimeAudience')
      .select(['position', 'key'])
      .where('appId', '=', appId)
      .execute();
    const keys = new Map<number, string[]>();
    for (const row of audience) {
      const list = keys.get(Number(row.position)) ?? [];
      list.push(row.key);
      keys.set(Number(row.position), list);
    }
    return { events: events.map((e) => ({ ...e, position: Number(e.position) })), keys };
  }

  function assertContiguous(positions: number[]): void {
    assert.deepEqual(
      positions,
      Array.from({ length: positions.length }, (_, i) => i + 1),
      'positions 1..N, no gap, no repeat',
    );
  }

  it('the events of one change take consecutive positions in the order emitted, with their audience', async () => {
    const app = await createTestApp(server);
    // Accepting the invitation is one change: invitations:accept, then chats:join.
    const { user, agent, chatId } = await chatWithAgent(server, app);
    const { events, keys } = await stored(app.id);
    assertContiguous(events.map((e) => e.position));
    const ofChat = events.filter((e) => e.chatId === chatId);
    const accept = ofChat.findIndex((e) => e.trigger === 'invitations:accept');
    assert.ok(accept >= 0, 'invitations:accept stored');
    const [accepted, joined] = [ofChat[accept]!, ofChat[accept + 1]!];
    assert.equal(joined.trigger, 'chats:join');
    assert.equal(joined.position, accepted.position + 1, 'one change, consecutive positions');
    assert.ok(accepted.seq < joined.seq, 'inserted in position order');
    for (const event of [accepted, joined])
      assert.deepEqual(keys.get(event.position)?.sort(), [`u:${agent.id}`, `u:${user.id}`].sort());
    const created = ofChat.find((e) => e.trigger === 'chats:create')!;
    assert.ok(keys.get(created.position)?.includes(`u:${user.id}`), 'chats:create heard by its creator');
    assert.ok(keys.get(created.position)?.includes('r:1'), 'and by the agents of its room');
  });

  it('concurrent changes of one app: positions without gaps or repeats, each with its audience', async () => {
    const app = await createTestApp(server);
    const first = await chatWithAgent(server, app);
    const second = await chatWithAgent(server, app, first.agent);
    const before = (await stored(app.id)).events.length;
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const { user, chatId } = i % 2 === 0 ? first : second;
        return expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
          headers: app.as(user.token),
          body: { message: `m${i}` },
        });
      }),
    );
    const { events, keys } = await stored(app.id);
    assertContiguous(events.map((e) => e.position));
    const messages = events.filter((e) => e.trigger === 'messages:new');
    assert.equal(events.length - before, 60);
    assert.equal(messages.length, 60);
    for (const event of messages) {
      const { user } = event.chatId === first.chatId ? first : second;
      assert.deepEqual(
        keys.get(event.position)?.sort(),
        [`u:${user.id}`, `u:${first.agent.id}`].sort(),
        `audience of position ${event.position}`,
      );
    }
    // Within a chat, the message order (seq) and the event order (position) agree.
    for (const { chatId } of [first, second]) {
      const seqs = messages
        .filter((e) => e.chatId === chatId)
        .map((e) => (JSON.parse(e.data) as { message: { seq: number } }).message.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );
    }
  });

  it('a change that fails takes no position', async () => {
    const app = await createTestApp(server);
    const { user, agent, chatId } = await chatWithAgent(server, app);
    const before = (await stored(app.id)).events.length;
    await expectStatus(server, 404, 'POST', '/v1/chats/ch_missing/messages', {
      headers: app.as(user.token),
      body: { message: 'nowhere' },
    });
    await expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(agent.token),
      body: { message: 'here' },
    });
    const { events } = await stored(app.id);
    assertContiguous(events.map((e) => e.position));
    assert.equal(events.length, before + 1);
    assert.equal(events.at(-1)!.trigger, 'messages:new');
  });
});
