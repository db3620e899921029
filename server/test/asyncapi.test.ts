import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { Ajv, type ValidateFunction } from 'ajv';
import { TRIGGERS } from '../src/events/catalog.ts';
import { REQUEST_NAMES } from '../src/operations/realtime.ts';
import { createTestApp, type TestApp } from './helpers/fixtures.ts';
import { type Json, startServer, type TestServer } from './helpers/harness.ts';
import { stream } from './helpers/stream.ts';
import { type Client, chatWithAgent, connect, type Frame } from './helpers/ws.ts';

/**
 * The sockets describe themselves: GET /v1/asyncapi.json is an AsyncAPI 3 document of /v1/ws and
 * /v1/stream that the AsyncAPI parser accepts, lists every event and every request, and says what the
 * sockets really send (frames received over real sockets match its messages).
 */
describe('GET /v1/asyncapi.json', () => {
  let server: TestServer;
  let base: string;
  let doc: Json;
  before(async () => {
    server = await startServer('sqlite');
    base = await server.sb.listen();
    const response = await fetch(`${base}/v1/asyncapi.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    doc = (await response.json()) as Json;
  });
  after(() => server.close());

  it('parses with the AsyncAPI parser without errors', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
    assert.deepEqual(
      errors.map((d) => `${d.path.join('.')}: ${d.message}`),
      [],
    );
    assert.ok(document, 'a parsed document');
    assert.equal(document.version(), '3.0.0');
    assert.deepEqual(
      document
        .channels()
        .all()
        .map((c) => c.address()),
      ['/v1/ws', '/v1/stream'],
    );
  });

  it('lists every trigger of the catalog on both sockets (chats:assign on the stream only)', () => {
    const triggersOn = (channel: string) =>
      Object.values(doc.channels[channel].messages as Json)
        .map((m) => resolve(doc, m.$ref)['x-trigger'])
        .filter((t) => t !== undefined);
    assert.deepEqual(triggersOn('stream'), [...TRIGGERS]);
    assert.deepEqual(
      triggersOn('ws'),
      TRIGGERS.filter((t) => t !== 'chats:assign'),
    );
  });

  it('lists every realtime request with its ack and error ack, and the close codes', () => {
    for (const name of REQUEST_NAMES) {
      const operation = doc.operations[`ws.request.${name.replaceAll(':', '.')}`];
      assert.ok(operation, `request ${name}`);
      assert.equal(operation.action, 'receive');
      assert.equal(resolve(doc, operation.messages[0].$ref).name, name);
      const replies = operation.reply.messages.map((m: Json) => resolve(doc, m.$ref).name);
      assert.deepEqual(replies, [`${name} ack`, 'error']);
    }
    const codes = (channel: string) => doc.channels[channel]['x-close-codes'].map((c: Json) => c.code);
    assert.deepEqual(codes('ws'), [1001, 1009, 1011, 1013, 4001, 4008]);
    assert.deepEqual(codes('stream'), [1001, 1008, 1009, 1011, 1013, 4001, 4008]);
  });

  it('is linked from /docs (the OpenAPI description)', async () => {
    const openapi = (await (await fetch(`${base}/v1/openapi.json`)).json()) as Json;
    assert.match(openapi.info.description, /\(\/v1\/asyncapi\.json\)/);
  });

  it('describes the frames the sockets really send', async () => {
    const app: TestApp = await createTestApp(server);
    const conforms = validators(doc);
    const appSocket = await connect(server, app, { secret: app.secret });
    const events = await stream(server, app, { events: TRIGGERS.join(',') });
    const { user, agent, chatId } = await chatWithAgent(server, app);
    const userSocket = await connect(server, app, { token: user.token });
    const agentSocket = await connect(server, app, { token: agent.token });
    const sent = await call(userSocket, 'messages:new', { chatId, message: 'Hello', clientId: 'c-1' });
    await call(agentSocket, 'messages:read', { messageId: sent.message.id });
    await call(userSocket, 'users:activity', { chatId, type: 'writing' });
    await call(userSocket, 'chats:get', { chatId, fields: 'users,history' });
    await call(userSocket, 'ping');
    userSocket.request('messages:new', { chatId });
    userSocket.request('no:such');
    userSocket.send('not json');
    await call(userSocket, 'chats:close', { chatId });
    const resumed = await connect(server, app, { secret: app.secret, cursor: appSocket.session.cursor });
    const resync = await connect(server, app, { secret: app.secret, cursor: 'not-a-cursor' });

    const check = async (channel: 'ws' | 'stream', client: Client, wanted: string[]) => {
      const frames: Frame[] = [...client.received];
      await client.drain(300);
      frames.push(...client.received.slice(frames.length));
      for (const frame of frames) {
        assert.ok(conforms(channel, frame), `${channel} frame not in the document: ${JSON.stringify(frame)}`);
      }
      const seen = new Set(frames.map((f) => f.event ?? f.trigger ?? (f.error ? 'error ack' : 'ack')));
      for (const name of wanted) assert.ok(seen.has(name), `${channel}: a ${name} frame was checked`);
    };
    await check('ws', appSocket, ['session', 'chats:create', 'chats:join', 'messages:new', 'chats:close']);
    await check('ws', userSocket, ['session', 'messages:new', 'users:activity', 'ack', 'error ack']);
    await check('ws', agentSocket, ['session', 'messages:read', 'ack']);
    await check('ws', resumed, ['session', 'messages:new', 'resumed']);
    await check('ws', resync, ['session', 'resync-required']);
    await check('stream', events, [
      'session',
      'chats:create',
      'chats:assign',
      'messages:read',
      'system:info',
    ]);
    for (const client of [appSocket, events, userSocket, agentSocket, resumed, resync]) await client.close();
  });
});

/** What a `$ref` points at, following references to references. */
function resolve(doc: Json, ref: string): Json {
  const node = ref
    .slice(2)
    .split('/')
    .reduce((at: Json, part: string) => at[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  return typeof node.$ref === 'string' ? resolve(doc, node.$ref) : node;
}

/** Sends a request and waits for its ack, past the events it causes; returns the ack's data. */
async function call(client: Client, event: string, data?: Json): Promise<Json> {
  const id = client.request(event, data);
  for (;;) {
    const frame = await client.next(5000, `ack ${id}`);
    if (frame.ack === id) {
      assert.equal(frame.error, undefined, JSON.stringify(frame));
      return frame.data;
    }
  }
}

/** Whether a frame is one of a channel's messages (its payload schema accepts it). */
function validators(doc: Json): (channel: 'ws' | 'stream', frame: Frame) => boolean {
  const ajv = new Ajv({ strict: false, validateSchema: false });
  ajv.addSchema({ ...doc, $id: 'asyncapi' });
  const byChannel = new Map<string, ValidateFunction[]>();
  for (const channel of ['ws', 'stream']) {
    const ids = Object.values(doc.channels[channel].messages as Json).map((m) => m.$ref.split('/').at(-1));
    byChannel.set(
      channel,
      ids.map((id: string) => ajv.compile({ $ref: `asyncapi#/components/messages/${id}/payload` })),
    );
  }
  return (channel, frame) => (byChannel.get(channel) ?? []).some((validate) => validate(frame));
}
