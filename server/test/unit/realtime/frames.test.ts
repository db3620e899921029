import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { encodeCursor } from '../../../src/realtime/cursor.ts';
import {
  ackFrame,
  errorBody,
  liveFrame,
  parseRequest,
  replayFrame,
  resumedFrame,
  resyncFrame,
  sessionFrame,
} from '../../../src/realtime/frames.ts';
import { streamAfter } from '../../../src/realtime/log.ts';
import { badRequest, forbidden } from '../../../src/util/errors.ts';
import { describeEachStore, startServer, type TestServer } from '../../helpers/harness.ts';
import { type EventMaker, eventMaker } from './events.ts';

describeEachStore('realtime frames: a live event and its replay', (kind) => {
  let server: TestServer;
  let maker: EventMaker;
  before(async () => {
    server = await startServer(kind);
    maker = await eventMaker(server);
  });
  after(() => server.close());

  it('are the same bytes, and a live frame is encoded once for all its sockets', async () => {
    const event = (await maker.messages(2)).find((e) => e.trigger === 'messages:new');
    assert.ok(event);
    const live = liveFrame(event);
    assert.equal(liveFrame(event), live, 'the same buffer for every socket');
    assert.deepEqual(JSON.parse(live.toString()), {
      event: 'messages:new',
      data: event.data,
      cursor: encodeCursor(maker.app.id, event.position),
    });
    const [row] = await streamAfter(
      server.sb.store.db,
      maker.app.id,
      'all',
      event.position - 1,
      event.position,
      1,
    );
    assert.ok(row);
    assert.equal(replayFrame(maker.app.id, row), live.toString());
  });
});

it('control frames and acks have their contract shapes', () => {
  assert.equal(
    sessionFrame({ user: null, cursor: 'c', heartbeat: 25 }),
    '{"event":"session","data":{"user":null,"cursor":"c","heartbeat":25}}',
  );
  assert.equal(resyncFrame('app_1', 7), `{"event":"resync-required","cursor":"${encodeCursor('app_1', 7)}"}`);
  assert.equal(
    resumedFrame('app_1', 3, 9),
    `{"event":"resumed","data":{"replayed":3},"cursor":"${encodeCursor('app_1', 9)}"}`,
  );
  assert.equal(ackFrame(4, { data: { ok: true } }), '{"ack":4,"data":{"ok":true}}');
  assert.deepEqual(errorBody(forbidden('No')), { code: 403, message: 'No' });
  assert.deepEqual(errorBody(badRequest('Bad', [{ field: 'x', message: 'y' }])), {
    code: 400,
    message: 'Bad',
    details: [{ field: 'x', message: 'y' }],
  });
  assert.deepEqual(errorBody(new Error('secret internals')), { code: 500, message: 'Internal server error' });
});

it('client frames: a request, or the ack that refuses it', () => {
  const parse = (text: string, isBinary = false) => parseRequest(Buffer.from(text), isBinary);
  assert.deepEqual(parse('{"id":1,"event":"chats:get","data":{"chatId":"c"}}'), {
    id: 1,
    event: 'chats:get',
    data: { chatId: 'c' },
  });
  assert.deepEqual(parse('{}', true), {
    refusal: '{"ack":null,"error":{"code":400,"message":"Frames must be JSON text"}}',
  });
  assert.deepEqual(parse('{'), {
    refusal: '{"ack":null,"error":{"code":400,"message":"Frame is not valid JSON"}}',
  });
  assert.deepEqual(parse('[1]'), {
    refusal:
      '{"ack":null,"error":{"code":400,"message":"A frame is a JSON object {\\"id\\", \\"event\\", \\"data\\"}"}}',
  });
  const badId = parse('{"id":"","event":"x"}');
  assert.ok('refusal' in badId);
  assert.deepEqual(JSON.parse(badId.refusal), {
    ack: null,
    error: {
      code: 400,
      message: 'Invalid request: id must be a number or a string',
      details: [{ field: 'id', message: 'must be a number or a non-empty string' }],
    },
  });
  const badEvent = parse('{"id":"a1","event":5}');
  assert.ok('refusal' in badEvent);
  assert.equal(JSON.parse(badEvent.refusal).ack, 'a1', 'answered with its id once the id is valid');
});
