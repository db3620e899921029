import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { createClient, type EventStream, type StreamEvent, SwitchboardError } from '../src/index.ts';
import { describeEachStore, type LiveServer, startLive, waitFor } from './helpers/live.ts';

/**
 * client.stream() against a real server: every event once and in order across sockets cut on both
 * sides and a restart; chats:assign answered by onAssign; refusals surface as SwitchboardError.
 */

const FAST = { backoff: { initialMs: 20, maxMs: 200 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A WebSocket that remembers its instances (and passes the headers the stream needs). */
function trackedWebSocket() {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string | URL, init?: unknown) {
      super(url, init as string[]);
      sockets.push(this);
    }
  }
  return { WebSocket: Tracked, sockets };
}

/** Drains a stream into an array in the background. */
function collect(stream: EventStream): { events: StreamEvent[]; done: Promise<unknown> } {
  const events: StreamEvent[] = [];
  const done = (async () => {
    for await (const event of stream) events.push(event);
  })().catch((error: unknown) => error);
  return { events, done };
}

describeEachStore('SDK event stream client', (kind) => {
  let live: LiveServer;
  const opened: EventStream[] = [];
  before(async () => {
    live = await startLive(kind);
  });
  afterEach(() => {
    for (const stream of opened.splice(0)) stream.close();
  });
  after(() => live.close());

  it('every event once, in order, across cuts on both sides and a server restart', async () => {
    const tracked = trackedWebSocket();
    const stream = live.asApp.stream({ ...FAST, events: ['messages:new'], WebSocket: tracked.WebSocket });
    opened.push(stream);
    let sessions = 0;
    let up = false;
    stream.on('connected', () => {
      sessions++;
      up = true;
    });
    stream.on('disconnected', () => {
      up = false;
    });
    const got = collect(stream);
    await waitFor(async () => sessions === 1);
    const { user } = await live.asApp.users.create({ name: 'Ann' });
    const { chat } = await live.asApp.chats.create({ creator: user.id });
    for (let i = 0; i < 45; i++) {
      await live.asApp.chats.send(chat.id, { message: `m${i}` });
      // Each cut lands on a live connection (not on one still reconnecting from the last cut).
      if (i % 15 === 4 || i % 15 === 9 || i === 30) await waitFor(async () => up, 5000, 'reconnected');
      if (i % 15 === 4) assert.equal(live.killSockets(), 1);
      if (i % 15 === 9) tracked.sockets.at(-1)?.close();
      if (i === 30) await live.restart();
      await sleep(3);
    }
    const { messages } = await live.asApp.chats.messages(chat.id, { limit: 200 });
    await waitFor(async () => got.events.length >= messages.length, 15000, 'every event');
    await sleep(100);
    assert.deepEqual(
      got.events.map((e) => (e.trigger === 'messages:new' ? e.data.message.id : e.trigger)),
      messages.map((m) => m.id),
    );
    assert.ok(got.events.every((e) => e.appId === live.app.id && typeof e.id === 'string' && e.cursor));
    assert.ok(sessions >= 8, `one session per cut and the restart (${sessions})`);
    assert.equal(stream.cursor, got.events.at(-1)?.cursor);
    stream.close();
    assert.equal(await got.done, undefined, 'close() ends the loop');
  });

  it('onAssign chooses the agent at each jump', async () => {
    const agents = [];
    for (const name of ['Ada', 'Bob']) {
      const contact = `${name}-${kind}@example.com`;
      const { agent } = await live.asApp.agents.create({
        name,
        contact,
        password: 'correct horse',
        rooms: [1],
      });
      await live.asApp.agents.login({ contact, password: 'correct horse' });
      agents.push(agent);
    }
    const questions: string[] = [];
    const stream = live.asApp.stream({
      ...FAST,
      onAssign: (question) => {
        questions.push(question.id);
        // The agent with the larger id: least-busy would take the other (equal load, then id).
        return question.data.agents
          .map((a) => a.id)
          .sort()
          .at(-1);
      },
    });
    opened.push(stream);
    let connected = false;
    stream.on('connected', () => {
      connected = true;
    });
    await waitFor(async () => connected);
    const { user } = await live.asApp.users.create({ name: 'Cy' });
    const { chat } = await live.asApp.chats.create({ creator: user.id });
    const invitation = await waitFor(async () => {
      const { invitations } = await live.asApp.invitations.list({ status: 'pending' });
      return invitations.find((i) => i.chatId === chat.id);
    });
    assert.equal(questions.length, 1);
    assert.equal(
      invitation.userId,
      agents
        .map((a) => a.id)
        .sort()
        .at(-1),
      'the agent onAssign chose',
    );
    const chosen = (await live.asApp.chats.get(chat.id)).chat;
    assert.equal(chosen.status, 'waiting');
  });

  it('wrong credentials and bad events end the loop with a SwitchboardError', async () => {
    const wrong = createClient({ baseUrl: live.url, appId: live.app.id, secret: 'wrong' }).stream(FAST);
    opened.push(wrong);
    const refused = await collect(wrong).done;
    assert.ok(refused instanceof SwitchboardError);
    assert.equal(refused.status, 401);

    const bad = live.asApp.stream({ ...FAST, events: ['nope' as 'messages:new'] });
    opened.push(bad);
    const invalid = await collect(bad).done;
    assert.ok(invalid instanceof SwitchboardError);
    assert.equal(invalid.status, 400);
    assert.match(invalid.message, /Invalid events/);
    assert.throws(() => live.client({ token: 'x' }).stream(), TypeError);
  });
});
