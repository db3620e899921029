import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import type { StoredEvent, Trigger } from '../../../src/events/catalog.ts';
import { DEFAULT_REALTIME_OPTIONS } from '../../../src/realtime/options.ts';
import { newStreamConnection, type StreamConnection } from '../../../src/stream/connection.ts';
import { liveFrame } from '../../../src/stream/frames.ts';
import { type SocketPair, socketPair, until } from '../realtime/socket-pair.ts';

const pairs: SocketPair[] = [];
afterEach(async () => {
  for (const pair of pairs.splice(0)) await pair.close();
});

function event(position: number, trigger: Trigger): StoredEvent {
  return {
    seq: position,
    position,
    id: `ev_${position}`,
    appId: 'app_1',
    trigger,
    chatId: 'chat_1',
    userId: null,
    data: { chatId: 'chat_1', userId: 'u' } as StoredEvent['data'],
    created: 1_700_000_000 + position,
  };
}

async function stream(triggers: Trigger[], options = DEFAULT_REALTIME_OPTIONS) {
  const pair = await socketPair();
  pairs.push(pair);
  const slow: StreamConnection[] = [];
  const connection = newStreamConnection(pair.server, pair.stream, options, (c) => slow.push(c));
  connection.appId = 'app_1';
  connection.triggers = new Set(triggers);
  return { pair, connection, slow };
}

it('sends the events of the triggers asked for, in order, once; never chats:assign', async () => {
  const { pair, connection } = await stream(['chats:join', 'messages:new', 'chats:assign']);
  connection.phase = 'live';
  const events = [
    event(1, 'chats:join'),
    event(2, 'chats:leave'),
    event(3, 'messages:new'),
    event(3, 'messages:new'),
    event(4, 'chats:assign'),
    event(2, 'chats:join'),
    event(5, 'messages:new'),
  ];
  for (const e of events) connection.receive(e);
  await until(() => pair.received.length === 3, 5000, 'three frames');
  assert.deepEqual(
    pair.received,
    [events[0], events[2], events[6]].map((e) => e && liveFrame(e).toString()),
  );
  assert.equal(connection.position, 5, 'the position moves past events not sent, too');
});

it('holds live events while opening, and drops a stream whose backlog overflows as a slow consumer', async () => {
  const { connection, slow, pair } = await stream(['chats:join'], {
    ...DEFAULT_REALTIME_OPTIONS,
    maxBacklog: 2,
  });
  connection.receive(event(1, 'chats:join'));
  connection.receive(event(2, 'chats:join'));
  assert.equal(connection.backlog.length, 2);
  assert.deepEqual(pair.received, []);
  assert.deepEqual(slow, []);
  connection.receive(event(3, 'chats:join'));
  assert.deepEqual(slow, [connection]);
});

it('live frames are the webhook envelope plus id and cursor', () => {
  const e = event(7, 'chats:join');
  const frame = JSON.parse(liveFrame(e).toString());
  assert.deepEqual(Object.keys(frame), ['trigger', 'appId', 'data', 'created_at', 'id', 'cursor']);
  assert.equal(frame.created_at, e.created);
  assert.equal(frame.id, e.id);
});
