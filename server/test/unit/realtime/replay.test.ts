import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { encodeCursor } from '../../../src/realtime/cursor.ts';
import { replayFrame } from '../../../src/realtime/frames.ts';
import { appHead, streamAfter } from '../../../src/realtime/log.ts';
import { REPLAY_BATCH, type Replaying, replay, resumePoint } from '../../../src/realtime/replay.ts';
import { sendFrame, socketState } from '../../../src/realtime/socket.ts';
import { describeEachStore, startServer, type TestServer } from '../../helpers/harness.ts';
import { type EventMaker, eventMaker } from './events.ts';
import { type SocketPair, socketPair, until } from './socket-pair.ts';

const DAY = 24 * 3600 * 1000;

describeEachStore('realtime replay: resume after a cursor', (kind) => {
  let server: TestServer;
  let maker: EventMaker;
  let head: number;
  let pair: SocketPair | undefined;

  before(async () => {
    server = await startServer(kind);
    maker = await eventMaker(server);
    // More than one replay batch, so the replay has to loop.
    await maker.messages(REPLAY_BATCH + 20);
    head = await appHead(server.sb.store.db, maker.app.id);
  });
  after(async () => {
    await pair?.close();
    await server.close();
  });

  const db = () => server.sb.store.db;

  /** A real socket being replayed to from `position`, and the frames its client received. */
  async function replayFrom(
    position: number,
  ): Promise<{ socket: Replaying; replayed: number; frames: string[] }> {
    await pair?.close();
    pair = await socketPair();
    const socket: Replaying = { ...socketState(pair.server, pair.stream, 10), appId: maker.app.id, position };
    const appId = maker.app.id;
    const replayed = await replay(socket, {
      db,
      read: (after, upTo, limit) => streamAfter(db(), appId, 'all', after, upTo, limit),
      frame: (entry) => replayFrame(appId, entry),
      send: (frame, onFlushed) => sendFrame(socket, frame, 4 * 1024 * 1024, () => undefined, onFlushed),
      maxBufferedBytes: 4 * 1024 * 1024,
    });
    const received = pair.received;
    await until(() => received.length === replayed, 5000, 'the replayed frames');
    return { socket, replayed, frames: received };
  }

  it('gives exactly what came after the cursor, in order, once, across batches', async () => {
    const from = head - (REPLAY_BATCH + 10);
    const { socket, replayed, frames } = await replayFrom(from);
    const positions = frames.map((f) => JSON.parse(f).cursor as string);
    const expected = Array.from({ length: head - from }, (_, i) => encodeCursor(maker.app.id, from + 1 + i));
    assert.equal(replayed, head - from);
    assert.deepEqual(positions, expected);
    assert.equal(socket.position, head, 'the socket stands at the head after the replay');
  });

  it('replays nothing from the head', async () => {
    const { socket, replayed } = await replayFrom(head);
    assert.equal(replayed, 0);
    assert.equal(socket.position, head);
  });

  it('stops at a socket that closed', async () => {
    await pair?.close();
    pair = await socketPair();
    const socket: Replaying = {
      ...socketState(pair.server, pair.stream, 10),
      appId: maker.app.id,
      position: 0,
    };
    let sent = 0;
    const replayed = await replay(socket, {
      db,
      read: (after, upTo, limit) => streamAfter(db(), maker.app.id, 'all', after, upTo, limit),
      frame: (entry) => replayFrame(maker.app.id, entry),
      send: () => {
        if (++sent === 3) socket.phase = 'closed';
        return true;
      },
      maxBufferedBytes: 4 * 1024 * 1024,
    });
    assert.equal(replayed, 3);
  });

  it('resumes a cursor of this app within retention; anything else is resync-required', async () => {
    const appId = maker.app.id;
    assert.deepEqual(await resumePoint(db(), appId, undefined, head, DAY), {
      from: undefined,
      resync: false,
    });
    assert.deepEqual(await resumePoint(db(), appId, '', head, DAY), { from: undefined, resync: false });
    assert.deepEqual(await resumePoint(db(), appId, encodeCursor(appId, head), head, DAY), {
      from: head,
      resync: false,
    });
    assert.deepEqual(await resumePoint(db(), appId, encodeCursor(appId, 3), head, DAY), {
      from: 3,
      resync: false,
    });
    const resync = { from: undefined, resync: true };
    assert.deepEqual(await resumePoint(db(), appId, encodeCursor('app_other', 3), head, DAY), resync);
    assert.deepEqual(await resumePoint(db(), appId, encodeCursor(appId, head + 1), head, DAY), resync);
    assert.deepEqual(await resumePoint(db(), appId, 'not a cursor', head, DAY), resync);
  });

  it('a cursor whose next event is past retention is resync-required', async () => {
    const appId = maker.app.id;
    // Age the event right after position 5 beyond the window (a day and a minute ago).
    await db()
      .updateTable('events')
      .set({ created: Math.floor((Date.now() - DAY - 60_000) / 1000) })
      .where('appId', '=', appId)
      .where('position', '=', 6)
      .execute();
    assert.deepEqual(await resumePoint(db(), appId, encodeCursor(appId, 5), head, DAY), {
      from: undefined,
      resync: true,
    });
    assert.deepEqual(await resumePoint(db(), appId, encodeCursor(appId, 6), head, DAY), {
      from: 6,
      resync: false,
    });
  });
});
