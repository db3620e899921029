import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { WebSocket } from 'ws';
import { loggerOptions } from '../src/config/logging.ts';
import { isCredentialName, redactUrls, withRedaction } from '../src/http/log-redaction.ts';
import type { Json } from './helpers/harness.ts';

/**
 * Secrets, keys and tokens never reach the log (docs/security.md, Logs): a real server process, its
 * whole output captured at `info` and at `debug`, is used with every credential in every place a
 * client puts one; none of them may appear in what it printed, while the URLs are still logged.
 */

const SERVER_DIR = fileURLToPath(new URL('..', import.meta.url));

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<void>;
}

async function start(dataDir: string, adminKey: string, level: string): Promise<Running> {
  const child = spawn(process.execPath, ['src/main.ts', '--port', '0'], {
    cwd: SERVER_DIR,
    env: {
      ...process.env,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_ADMIN_KEY: adminKey,
      SWITCHBOARD_LOG_LEVEL: level,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const deadline = Date.now() + 20000;
  for (;;) {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (match && output.includes('Demo:')) return { child, url: match[1]!, output: () => output, exited };
    if (child.exitCode !== null || Date.now() > deadline) assert.fail(`server did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function stop(running: Running): Promise<void> {
  running.child.kill('SIGTERM');
  await running.exited;
}

async function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Json | FormData,
): Promise<{ status: number; body: Json }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : {} };
}

/** Opens a socket and waits for its first frame, or its close (a refused credential). */
async function firstFrame(url: string, headers: Record<string, string> = {}): Promise<string> {
  const ws = new WebSocket(url, { headers });
  const result = await new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => resolve(data.toString()));
    ws.once('close', (code) => resolve(`closed ${code}`));
    ws.once('unexpected-response', (_request, response) => resolve(`HTTP ${response.statusCode}`));
    ws.once('error', reject);
  });
  ws.close();
  return result;
}

/** A request Node's parser refuses (two Content-Lengths), credentials in its headers. */
async function malformed(base: string, secret: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(port), '127.0.0.1', () => {
      socket.write(
        `POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nx-hyper-secret: ${secret}\r\n` +
          `authorization: Bearer ${secret}\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}`,
      );
    });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

/** What a secret looks like when a Buffer holding it is logged as JSON. */
const asBytes = (text: string) => Buffer.from(text).toJSON().data.join(',');

describe('credentials in the server log', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-logs-'));
  const adminKey = `adm_${randomBytes(12).toString('hex')}`;
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  before(async () => {
    // The first start prints the Demo app's credentials on purpose (the banner, not the log): it
    // runs before the captured starts, which use credentials of their own.
    await stop(await start(dataDir, adminKey, 'warn'));
  });

  for (const level of ['info', 'debug']) {
    it(`logs no secret, key, token or password at ${level}, and still logs the redacted URLs`, async () => {
      const server = await start(dataDir, adminKey, level);
      const base = server.url;
      const ws = base.replace(/^http/, 'ws');
      try {
        const admin = { 'x-hyper-admin': adminKey };
        const created = await call(base, 'POST', '/v1/apps', admin, { name: `Logs ${level}` });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const appId = created.body.app.id as string;
        const secret = created.body.secret as string;
        const domainKey = created.body.domainKey as string;
        const asApp = { 'x-hyper-appid': appId, 'x-hyper-secret': secret };
        assert.equal((await call(base, 'GET', `/v1/apps/${appId}`, admin)).status, 200);
        // The admin key where it does not belong: in the query.
        await call(base, 'GET', `/v1/apps?adminKey=${adminKey}&x-hyper-admin=${adminKey}`);

        const user = await call(base, 'POST', '/v1/users', asApp, { name: 'Ann' });
        assert.equal(user.status, 201, JSON.stringify(user.body));
        const token = user.body.session.token as string;
        const asUser = { 'x-hyper-appid': appId, 'x-hyper-token': token };
        const password = `pw-${randomBytes(8).toString('hex')}`;
        const contact = `agent-${level}@example.com`;
        const agentCreated = await call(base, 'POST', '/v1/agents', asApp, {
          name: 'Agent',
          contact,
          password,
          rooms: [1],
        });
        assert.equal(agentCreated.status, 201, JSON.stringify(agentCreated.body));
        const login = await call(base, 'POST', '/v1/agents/login', asApp, { contact, password });
        assert.equal(login.status, 200, JSON.stringify(login.body));
        const agentToken = login.body.session.token as string;

        // REST with the secret in the header, then in the query (refused there, but logged).
        assert.equal((await call(base, 'GET', '/v1/chats', asApp)).status, 200);
        await call(base, 'GET', `/v1/chats?appId=${appId}&secret=${secret}`);
        await call(base, 'GET', `/v1/settings?appId=${appId}&key=${domainKey}`);
        assert.equal(
          (await call(base, 'GET', '/v1/settings', { 'x-hyper-appid': appId, 'x-hyper-key': domainKey }))
            .status,
          200,
        );
        // Headers the server does not read are not logged either.
        await call(base, 'GET', '/v1/chats', {
          ...asApp,
          authorization: `Bearer ${agentToken}`,
          cookie: `session=${agentToken}`,
        });

        // A media upload, then downloads with the credentials in the query (the way <img> loads it).
        const chat = await call(base, 'POST', '/v1/chats', asUser, {});
        assert.equal(chat.status, 201, JSON.stringify(chat.body));
        const form = new FormData();
        form.append('chatId', chat.body.chat.id as string);
        form.append('media', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
        const uploaded = await call(base, 'POST', '/v1/media', asUser, form);
        assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
        const mediaId = uploaded.body.media.id as string;
        const bySecret = `/v1/media/${mediaId}?appId=${appId}&secret=${secret}`;
        assert.equal((await call(base, 'GET', bySecret)).status, 200);
        assert.equal(
          (await call(base, 'GET', `/v1/media/${mediaId}?appId=${appId}&token=${token}`)).status,
          200,
        );
        // The server decodes parameter names: an encoded `secret` is one too.
        assert.equal(
          (await call(base, 'GET', `/v1/media/${mediaId}?appId=${appId}&%73ecret=${secret}`)).status,
          200,
        );

        // Realtime with the token in the query; the event stream with the secret in headers, and
        // with it in the query (refused, but the URL arrives).
        const session = await firstFrame(`${ws}/v1/ws?appId=${appId}&token=${agentToken}`);
        assert.match(session, /"event":"session"/);
        const streamed = await firstFrame(`${ws}/v1/stream`, asApp);
        assert.match(streamed, /"session"|"cursor"/);
        assert.match(await firstFrame(`${ws}/v1/stream?appId=${appId}&secret=${secret}`), /closed 4001/);

        // Refused by Node's parser before Fastify: logged (at debug) with its error.
        assert.match(await malformed(base, secret), /^HTTP\/1\.1 400/);
        // Lines written after the last answer (request completed) reach the pipe a moment later.
        await new Promise((r) => setTimeout(r, 300));

        const log = server.output();
        for (const [name, value] of Object.entries({
          adminKey,
          secret,
          domainKey,
          token,
          agentToken,
          password,
        })) {
          assert.ok(!log.includes(value), `the ${name} is in the ${level} log:\n${log}`);
          assert.ok(!log.includes(asBytes(value)), `the ${name}'s bytes are in the ${level} log`);
        }
        // The URLs are still there, with only the credentials' values replaced.
        assert.ok(log.includes(`/v1/media/${mediaId}?appId=${appId}&secret=[redacted]`), log);
        assert.ok(log.includes(`/v1/media/${mediaId}?appId=${appId}&%73ecret=[redacted]`), log);
        assert.ok(log.includes(`/v1/ws?appId=${appId}&token=[redacted]`), log);
        assert.ok(log.includes(`/v1/stream?appId=${appId}&secret=[redacted]`), log);
        assert.ok(log.includes('/v1/apps?adminKey=[redacted]&x-hyper-admin=[redacted]'), log);
        assert.ok(log.includes(`/v1/settings?appId=${appId}&key=[redacted]`), log);
        if (level === 'debug') assert.match(log, /refused a malformed request/);
      } finally {
        await stop(server);
      }
    });
  }
});

describe('redacting URLs', () => {
  it('replaces the values of credential parameters only', () => {
    assert.equal(
      redactUrls('/v1/media/m1?appId=a1&secret=sk_1&cursor=5&token=tk#x'),
      '/v1/media/m1?appId=a1&secret=[redacted]&cursor=5&token=[redacted]#x',
    );
    assert.equal(
      redactUrls('GET /v1/ws?TOKEN=t&Key=k done?'),
      'GET /v1/ws?TOKEN=[redacted]&Key=[redacted] done?',
    );
    assert.equal(redactUrls('https://user:pass@hook.example/x'), 'https://[redacted]@hook.example/x');
    assert.equal(redactUrls('/v1/chats?status=open&limit=5'), '/v1/chats?status=open&limit=5');
    // The single sign-on callback: its code and state are credentials (docs/security.md), the issuer is not.
    assert.equal(
      redactUrls('/v1/agents/sso/callback?code=c1&state=s1&iss=https%3A%2F%2Fidp.example'),
      '/v1/agents/sso/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fidp.example',
    );
  });

  it('knows the credential names the server accepts, and not the app id', () => {
    for (const name of ['secret', 'token', 'key', 'adminKey', 'x-hyper-secret', 'x-hyper-admin', 'password'])
      assert.equal(isCredentialName(name), true, name);
    for (const name of ['appId', 'x-hyper-appid', 'cursor', 'events', 'limit', 'status'])
      assert.equal(isCredentialName(name), false, name);
  });

  it('a logger with redaction censors errors (thrown or made plain), messages and headers', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => void lines.push(line) };
    const logger = withRedaction({ level: 'info', stream });
    const http = Fastify({ logger: logger as { level: string } });
    const error = Object.assign(new Error('GET /v1/media/m?secret=sk_thrown failed'), {
      url: '/v1/ws?token=tk_field',
      rawPacket: Buffer.from('x-hyper-secret: sk_raw'),
    });
    http.log.error({ err: error }, 'failed');
    http.log.error({ err: { message: 'POST https://u:pw_user@hooks.example/x?key=k_plain' } }, 'worker');
    http.log.info('calling /v1/chats?appId=a&x-hyper-secret=sk_message');
    http.log.info({ headers: { 'x-hyper-token': 'tk_header', authorization: 'Bearer tk_bearer' } }, 'h');
    http.log.info({ req: { headers: { cookie: 'sid=tk_cookie' } } }, 'r');
    await http.close();
    const log = lines.join('');
    for (const secret of ['sk_thrown', 'tk_field', 'sk_raw', 'pw_user', 'k_plain', 'sk_message', 'tk_header'])
      assert.ok(!log.includes(secret), `${secret} in ${log}`);
    for (const secret of ['tk_bearer', 'tk_cookie', asBytes('sk_raw')])
      assert.ok(!log.includes(secret), `${secret} in ${log}`);
    assert.ok(log.includes('/v1/media/m?secret=[redacted] failed'), log);
    assert.ok(log.includes('/v1/chats?appId=a&x-hyper-secret=[redacted]'), log);
  });

  it('redacts what the pretty output of a terminal writes from the raw URL', async () => {
    const lines: string[] = [];
    // The terminal's options without the pretty printer's thread: the records it would print.
    const { transport: _pretty, ...terminal } = loggerOptions('info', true);
    const logger = withRedaction({ ...terminal, stream: { write: (line: string) => void lines.push(line) } });
    const http = Fastify({ logger: logger as { level: string } });
    http.get('/v1/x', async () => ({ ok: true }));
    const res = await http.inject({ method: 'GET', url: '/v1/x?appId=a&secret=sk_pretty' });
    assert.equal(res.statusCode, 200);
    await http.close();
    const log = lines.join('');
    assert.ok(!log.includes('sk_pretty'), log);
    assert.ok(log.includes('GET /v1/x?appId=a&secret=[redacted] → 200'), log);
  });
});
