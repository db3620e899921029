import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Bus, createMemoryBus } from '../../../src/events/bus.ts';
import type { StoredEvent } from '../../../src/events/catalog.ts';
import { createHub, everySubscriber, type FeedSink, type Hub } from '../../../src/realtime/hub.ts';
import { subscriptions } from '../../../src/realtime/subscriptions.ts';
import { describeEachStore, startServer, type TestServer } from '../../helpers/harness.ts';
import { type EventMaker, eventMaker } from './events.ts';
import { until } from './socket-pair.ts';

interface Recorder {
  events: StoredEvent[];
  receive(event: StoredEvent): void;
}

const recorder = (): Recorder => {
  const events: StoredEvent[] = [];
  return { events, receive: (event) => events.push(event) };
};

describeEachStore('realtime hub: the per-app feed', (kind) => {
  let server: TestServer;
  let maker: EventMaker;
  let bus: Bus;
  let hub: Hub<Recorder, FeedSink<Recorder>>;
  const errors: unknown[] = [];

  before(async () => {
    server = await startServer(kind);
    maker = await eventMaker(server);
  });
  after(async () => {
    hub?.close();
    await server.close();
  });

  /** A hub on the real store, fed by a bus the test publishes on by hand (in any order it likes). */
  function newHub(options: { gapWaitMs: number; catchUpMs: number }): Hub<Recorder, FeedSink<Recorder>> {
    hub?.close();
    bus = createMemoryBus((error) => errors.push(error));
    hub = createHub({
      db: () => server.sb.store.db,
      bus,
      ...options,
      sink: () => everySubscriber<Recorder>(),
      label: 'test',
      onError: (error) => errors.push(error),
    });
    return hub;
  }

  it('delivers in position order whatever order the bus brings, none twice, a gap read from the store', async () => {
    const feed = newHub({ gapWaitMs: 30, catchUpMs: 60_000 });
    const subscriber = recorder();
    feed.join(maker.app.id, subscriber);
    const head = await feed.start(maker.app.id);
    const events = await maker.messages(6);
    assert.ok(events.length >= 6, 'six messages make at least six events');
    assert.equal(events[0]?.position, head + 1);
    const [e1, e2, e3, e4, ...rest] = events as [StoredEvent, StoredEvent, StoredEvent, StoredEvent];
    // Early, doubled, late and old events; e4 never comes over the bus at all.
    bus.publish([e3, e1, e1, e2, ...rest, e2]);
    assert.deepEqual(
      subscriber.events.map((e) => e.position),
      [e1.position, e2.position, e3.position],
      'what follows the gap waits for it',
    );
    await until(() => subscriber.events.length === events.length, 5000, 'the gap to be filled');
    assert.deepEqual(
      subscriber.events.map((e) => e.position),
      events.map((e) => e.position),
    );
    const filled = subscriber.events[3];
    assert.notEqual(filled, e4, 'the missing event was read from the store, not heard on the bus');
    assert.deepEqual({ ...filled, audience: undefined }, { ...e4, audience: undefined });
    assert.deepEqual([...(filled?.audience ?? [])].sort(), [...(e4.audience ?? [])].sort());
    bus.publish([e4, e1]);
    assert.equal(subscriber.events.length, events.length, 'nothing is delivered twice');
    assert.deepEqual(errors, []);
  });

  it('reads events never heard of (the last bus message lost) at the catch-up', async () => {
    const feed = newHub({ gapWaitMs: 30, catchUpMs: 40 });
    const subscriber = recorder();
    feed.join(maker.app.id, subscriber);
    await feed.start(maker.app.id);
    const events = await maker.messages(2);
    // Nothing is published: behind for two catch-up rounds, the feed reads what it missed.
    await until(() => subscriber.events.length === events.length, 5000, 'the catch-up');
    assert.deepEqual(
      subscriber.events.map((e) => e.position),
      events.map((e) => e.position),
    );
  });

  it('starts a subscriber after the head it read; a feed without subscribers is dropped', async () => {
    const feed = newHub({ gapWaitMs: 30, catchUpMs: 60_000 });
    const early = recorder();
    feed.join(maker.app.id, early);
    await feed.start(maker.app.id);
    const before = await maker.messages(1);
    bus.publish(before);
    assert.equal(early.events.length, before.length);
    feed.leave(maker.app.id, early);
    assert.equal(feed.sinkOf(maker.app.id), undefined);
    const events = await maker.messages(1);
    bus.publish(events);
    assert.equal(early.events.length, before.length, 'a subscriber that left hears nothing more');
  });
});

function event(position: number, trigger: StoredEvent['trigger'], audience: string[]): StoredEvent {
  return {
    seq: position,
    position,
    id: `ev_${position}`,
    appId: 'app',
    trigger,
    chatId: null,
    userId: null,
    data: { chatId: 'c' } as StoredEvent['data'],
    created: 0,
    audience,
  };
}

it('subscriptions: an event reaches its audience keys and the app server, chats:assign nobody', () => {
  const sink = subscriptions<Recorder & { keys: readonly string[] }>();
  const user = { ...recorder(), keys: ['u:1'] };
  const agent = { ...recorder(), keys: ['u:2', 'r:1'] };
  const appServer = { ...recorder(), keys: ['*'] };
  for (const s of [user, agent, appServer]) sink.add(s);
  sink.deliver(event(1, 'messages:new', ['u:1']));
  sink.deliver(event(2, 'queues:update', ['r:1', 'u:2']));
  sink.deliver(event(3, 'chats:assign', ['r:1', 'u:1']));
  sink.deliver(event(4, 'chats:join', ['r:2']));
  assert.deepEqual(
    user.events.map((e) => e.position),
    [1],
  );
  assert.deepEqual(
    agent.events.map((e) => e.position),
    [2],
    'once, though two of its keys match',
  );
  assert.deepEqual(
    appServer.events.map((e) => e.position),
    [1, 2, 4],
  );
  sink.rekey(agent, ['u:2', 'r:2']);
  sink.deliver(event(5, 'chats:join', ['r:2']));
  sink.deliver(event(6, 'chats:join', ['r:1']));
  assert.deepEqual(
    agent.events.map((e) => e.position),
    [2, 5],
    'an agent hears the rooms it serves now',
  );
  sink.remove(user);
  sink.deliver(event(7, 'messages:new', ['u:1']));
  assert.equal(user.events.length, 1);
  assert.equal(sink.size, 2);
});
