import assert from 'node:assert/strict';
import { type Socket, connect as tcpConnect } from 'node:net';
import { after, before, it } from 'node:test';
import { assertError, createTestApp, createUser, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer, waitFor } from './helpers/harness.ts';
import { connect } from './helpers/ws.ts';

/**
 * What arrives below the routes (issue 11): JSON nested thousands deep, bodies and headers that
 * trickle in, and requests Node's HTTP parser refuses. Each one gets a 4xx in the error envelope
 * over a real socket, and the socket does not stay open.
 */

const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
  /** Whether the server closed the connection (within the wait). */
  closed: boolean;
}

/** Writes `chunks` to a fresh TCP connection (with `gapMs` between them) and reads until close. */
async function raw(port: number, chunks: string[], gapMs = 0, waitMs = 8000): Promise<RawAnswer> {
  const socket: Socket = tcpConnect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let text = '';
  let closed = false;
  socket.on('data', (data) => {
    text += data.toString('latin1');
  });
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  for (const chunk of chunks) {
    if (closed) break;
    socket.write(chunk);
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
  }
  const timer = new Promise<void>((resolve) => setTimeout(resolve, waitMs).unref());
  await Promise.race([ended, timer]);
  socket.destroy();
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, headers: head, body, closed };
}

function assertEnvelope(answer: RawAnswer, status: number, message?: RegExp): void {
  assert.equal(answer.status, status, `${answer.headers}\n${answer.body}`);
  assert.match(answer.headers, /content-type: application\/json/i);
  const parsed = JSON.parse(answer.body) as { error: { code: number; message: string } };
  assert.deepEqual(Object.keys(parsed), ['error']);
  assert.equal(parsed.error.code, status);
  assert.equal(typeof parsed.error.message, 'string');
  if (message) assert.match(parsed.error.message, message);
  assert.ok(answer.closed, 'the server closed the connection');
}

describeEachStore('http framing: deep JSON', (kind) => {
  let server: TestServer;
  let app: TestApp;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server);
  });
  after(() => server.close());

  it('refuses JSON nested 4,500 deep with a 400, with the app id alone too', async () => {
    const body = `{"name":"x","extraInfo":${deep(4500)}}`;
    for (const headers of [app.asAppId, app.asApp]) {
      const res = await server.request('POST', '/v1/users', {
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
      assertError(res, 400, /nested deeper than 32/);
    }
    // As deep as a real client nests is fine.
    const ok = await server.request('POST', '/v1/users', {
      headers: app.asApp,
      body: JSON.parse(`{"extraInfo":${deep(20)}}`),
    });
    assert.equal(ok.status, 201, ok.text);
  });

  it('refuses it over the realtime socket with a 400 ack, and the socket keeps working', async () => {
    const user = await createUser(server, app);
    const client = await connect(server, app, { token: user.token });
    try {
      client.send(`{"id":"deep","event":"chats:create","data":{"history":${deep(4500)}}}`);
      await client.ackError('deep', 400, /nested deeper/);
      const listed = await client.call('users:chats', {});
      assert.ok(Array.isArray(listed.chats));
    } finally {
      await client.close();
    }
    // Let the server finish with the closed socket before the suite closes the store.
    await waitFor(async () => server.sb.realtime.connectionCount() === 0, 5000, 'the socket to go');
  });
});

describeEachStore('http framing: timeouts and the parser', (kind) => {
  let server: TestServer;
  let port: number;
  before(async () => {
    server = await startServer(kind, { SWITCHBOARD_REQUEST_TIMEOUT: '2', SWITCHBOARD_HEADERS_TIMEOUT: '1' });
    const base = await server.sb.listen();
    port = Number(new URL(base).port);
  });
  after(() => server.close());

  it('cuts a body that trickles in: 408 in the envelope, connection closed', async () => {
    // Valid credentials, so the route really waits for the body.
    const head = `POST /v1/apps HTTP/1.1\r\nHost: x\r\nX-Hyper-Admin: ${server.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`;
    // One byte every 250 ms for at most 8 s; the server must cut it at about 2 s.
    const chunks = [head, ...Array.from({ length: 32 }, () => ' ')];
    const answer = await raw(port, chunks, 250);
    assertEnvelope(answer, 408, /too long/);
  });

  it('cuts headers that trickle in the same way', async () => {
    const chunks = ['GET /v1/health HTTP/1.1\r\n', ...Array.from({ length: 32 }, (_, i) => `X-${i}: y\r\n`)];
    const answer = await raw(port, chunks, 250);
    assertEnvelope(answer, 408);
  });

  it('answers oversized headers with a 431 in the envelope', async () => {
    const answer = await raw(port, [
      `GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    assertEnvelope(answer, 431, /headers are too large/);
  });

  it('answers malformed framing with a 400 in the envelope', async () => {
    const cases: Array<[string, RegExp]> = [
      ['POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}', /Content-Length/],
      [
        'POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        /Malformed/,
      ],
      [
        'POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
        /chunk/,
      ],
      ['GARBAGE\r\n\r\n', /Malformed/],
    ];
    for (const [request, message] of cases) {
      const answer = await raw(port, [request]);
      assertEnvelope(answer, 400, message);
    }
  });

  it('still serves a well-formed request on the same server', async () => {
    const answer = await raw(port, ['GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
    assert.equal(answer.status, 200, answer.body);
  });
});
