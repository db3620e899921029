import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  DEFAULT_TRIGGERS,
  liveFrame,
  parseReply,
  parseTriggers,
  replayFrame,
} from '../../../src/stream/frames.ts';
import { eventsAfter } from '../../../src/stream/log.ts';
import { describeEachStore, startServer, type TestServer } from '../../helpers/harness.ts';
import { type EventMaker, eventMaker } from '../realtime/events.ts';

describeEachStore('stream frames: live and replayed', (kind) => {
  let server: TestServer;
  let maker: EventMaker;
  before(async () => {
    server = await startServer(kind);
    maker = await eventMaker(server);
  });
  after(() => server.close());

  it('a replayed event is the same bytes as its live frame', async () => {
    const events = await maker.messages(2);
    const rows = await eventsAfter(
      server.sb.store.db,
      maker.app.id,
      new Set(DEFAULT_TRIGGERS),
      (events[0]?.position ?? 1) - 1,
      events.at(-1)?.position ?? 0,
      100,
    );
    assert.equal(rows.length, events.length);
    for (const [i, row] of rows.entries()) {
      const event = events[i];
      assert.ok(event);
      assert.equal(replayFrame(maker.app.id, row), liveFrame(event).toString());
    }
  });
});

it('events= and reply frames are parsed or refused with their problem', () => {
  assert.deepEqual([...(parseTriggers(undefined) as Set<string>)], DEFAULT_TRIGGERS);
  assert.deepEqual(
    [...(parseTriggers('chats:join, messages:new') as Set<string>)],
    ['chats:join', 'messages:new'],
  );
  assert.deepEqual(parseTriggers('nope'), {
    code: 400,
    message: 'Invalid events: unknown trigger "nope"',
    details: [{ field: 'events', message: 'unknown trigger "nope"' }],
  });
  assert.deepEqual(parseReply(Buffer.from('{"reply":"q1","data":{"agentId":"a"}}'), false), {
    reply: 'q1',
    data: { agentId: 'a' },
  });
  assert.deepEqual(parseReply(Buffer.from('x'), true), { code: 400, message: 'Frames must be JSON text' });
  assert.equal((parseReply(Buffer.from('{"id":1}'), false) as { code: number }).code, 400);
});
