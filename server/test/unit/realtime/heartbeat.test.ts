import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { listenForPongs, startHeartbeat } from '../../../src/realtime/heartbeat.ts';
import { type SocketState, socketState } from '../../../src/realtime/socket.ts';
import { type SocketPair, socketPair, until } from './socket-pair.ts';

const PERIOD = 100;
const open: Array<{ stop(): void } | SocketPair> = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await ('close' in thing ? thing.close() : thing.stop());
});

async function watched(clientOptions = {}) {
  const pair = await socketPair(clientOptions);
  open.push(pair);
  const socket: SocketState = socketState(pair.server, pair.stream, 10);
  listenForPongs(socket);
  return { pair, socket };
}

it('a socket that answers no ping is cut after missing two in a row (two to three periods)', async () => {
  const silent = await watched({ autoPong: false });
  const dead: SocketState[] = [];
  const started = Date.now();
  open.push(
    startHeartbeat({ periodMs: PERIOD, sockets: () => [silent.socket], onDead: (s) => dead.push(s) }),
  );
  const code = await silent.pair.closed;
  const elapsed = Date.now() - started;
  assert.equal(code, 1006, 'cut, not closed politely: the peer is not listening');
  assert.deepEqual(dead, [silent.socket]);
  // Ping at the 1st beat, a miss at the 2nd, the second miss at the 3rd: cut there.
  assert.ok(elapsed >= 2.5 * PERIOD, `cut after ${elapsed} ms`);
  assert.equal(silent.socket.missedPongs, 2);
});

it('a socket that answers its pings stays, each beat pinging it once', async () => {
  const alive = await watched();
  let pings = 0;
  alive.pair.client.on('ping', () => pings++);
  const dead: SocketState[] = [];
  const beats: SocketState[] = [];
  open.push(
    startHeartbeat({
      periodMs: PERIOD,
      sockets: () => [alive.socket],
      onDead: (s) => dead.push(s),
      onBeat: (s) => beats.push(s),
    }),
  );
  await until(() => beats.length >= 6, 10_000, 'six beats');
  await until(() => pings >= 6, 5000, 'six pings');
  assert.deepEqual(dead, []);
  assert.equal(alive.pair.server.readyState, alive.pair.server.OPEN);
  assert.equal(alive.socket.missedPongs, 0);
});

it('a socket that is not open is left alone', async () => {
  const closing = await watched();
  closing.pair.server.close(1000, 'bye');
  const beats: SocketState[] = [];
  open.push(
    startHeartbeat({
      periodMs: 20,
      sockets: () => [closing.socket],
      onDead: () => undefined,
      onBeat: (s) => beats.push(s),
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(beats, []);
});
