import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  eventsOf,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';

interface FilePart {
  name: string;
  type: string;
  bytes: Buffer;
  /** Form field of the file; `media` unless told. */
  field?: string;
}

/** A multipart/form-data body built the way browsers build it (FormData), as bytes plus its content type. */
async function multipart(
  fields: Record<string, string>,
  ...files: FilePart[]
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  for (const file of files) {
    form.append(
      file.field ?? 'media',
      new Blob([new Uint8Array(file.bytes)], { type: file.type }),
      file.name,
    );
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    contentType: request.headers.get('content-type') ?? '',
  };
}

/** Bytes that are not valid UTF-8, so a text round trip would corrupt them. */
function binary(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 37 + 0x80) % 256;
  return bytes;
}

const png = (size = 64): FilePart => ({ name: 'pic.png', type: 'image/png', bytes: binary(size) });

describeEachStore('media', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  let user: Person;
  let agent: Person;
  let stranger: Person;
  let chat: Json;

  async function upload(
    headers: Record<string, string>,
    fields: Record<string, string>,
    ...files: FilePart[]
  ) {
    const { body, contentType } = await multipart(fields, ...files);
    return server.request('POST', '/v1/media', {
      headers: { ...headers, 'content-type': contentType },
      body,
    });
  }

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Media app');
    other = await createTestApp(server, 'Other app');
    user = await createUser(server, app);
    stranger = await createUser(server, app, { name: 'Stranger' });
    agent = await createAgent(server, app);
    chat = await createChat(server, app, user);
    await expectStatus(server, 200, 'POST', `/v1/chats/${chat.id}/join`, {
      headers: app.as(agent.token),
      body: {},
    });
  });
  after(() => server.close());

  it('stores an upload and posts it as a media message (messages:new)', async () => {
    const file = { name: 'report.pdf', type: 'application/pdf', bytes: binary(300) };
    const res = await upload(app.as(user.token), { chatId: chat.id, senderId: user.id }, file);
    assert.equal(res.status, 201, res.text);
    const { media, message } = res.body;
    assert.equal(typeof media.id, 'string');
    assert.equal(media.url, `/media/${media.id}`);
    assert.equal(media.type, 'application/pdf');
    assert.equal(media.name, 'report.pdf');
    assert.equal(media.size, 300);
    assert.equal(media.chatId, chat.id);
    assert.equal(media.sender, user.id);
    assert.equal(message.type, 'media');
    assert.equal(message.chat, chat.id);
    assert.equal(message.sender, user.id);
    assert.deepEqual(message.message, {
      id: media.id,
      url: `/media/${media.id}`,
      type: 'application/pdf',
      name: 'report.pdf',
      size: 300,
    });
    const events = (await eventsOf(server, app.id)).filter((e) => e.trigger === 'messages:new');
    const event = events.find((e) => e.data.message.id === message.id);
    assert.ok(event, 'messages:new was emitted');
    assert.equal(event.chatId, chat.id);
    assert.deepEqual(event.data.message, message);
    const listed = await expectStatus(server, 200, 'GET', `/v1/chats/${chat.id}/messages`, {
      headers: app.asApp,
    });
    const stored = listed.body.messages.find((m: Json) => m.id === message.id);
    assert.deepEqual(stored, message, 'the message history holds the same media message');
  });

  it('lets the app server upload on behalf of a participant, and requires senderId for it', async () => {
    const res = await upload(app.asApp, { chatId: chat.id, senderId: agent.id }, png());
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.message.sender, agent.id);
    assertError(await upload(app.asApp, { chatId: chat.id }, png()), 400);
    assertError(await upload(app.asApp, { chatId: chat.id, senderId: stranger.id }, png()), 403);
    assertError(await upload(app.as(user.token), { chatId: chat.id, senderId: agent.id }, png()), 403);
  });

  it('serves the exact bytes with their content type', async () => {
    const bytes = binary(777);
    const up = await upload(
      app.as(agent.token),
      { chatId: chat.id },
      { name: 'x.png', type: 'image/png', bytes },
    );
    assert.equal(up.status, 201, up.text);
    const id = up.body.media.id;
    for (const headers of [app.asApp, app.as(user.token), app.as(agent.token)]) {
      // inject directly: the harness decodes bodies as UTF-8, which would mangle binary bytes.
      const res = await server.sb.http.inject({ method: 'GET', url: `/v1/media/${id}`, headers });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(String(res.headers['content-type']).split(';')[0], 'image/png');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(Buffer.compare(res.rawPayload, bytes), 0, 'bytes come back unchanged');
      assert.equal(Number(res.headers['content-length']), 777);
      assert.match(String(res.headers['content-disposition']), /^inline; filename="x\.png"/);
    }
  });

  it('accepts credentials in the query string on GET /media/{id}', async () => {
    const bytes = Buffer.from('hello, plain text\n');
    const up = await upload(
      app.as(user.token),
      { chatId: chat.id },
      { name: 'a.txt', type: 'text/plain', bytes },
    );
    assert.equal(up.status, 201, up.text);
    const id = up.body.media.id;
    const byToken = await server.request('GET', `/v1/media/${id}`, {
      query: { appId: app.id, token: user.token },
    });
    assert.equal(byToken.status, 200, byToken.text);
    assert.equal(String(byToken.headers['content-type']).split(';')[0], 'text/plain');
    assert.equal(byToken.text, 'hello, plain text\n');
    const bySecret = await server.request('GET', `/v1/media/${id}?appId=${app.id}&secret=${app.secret}`);
    assert.equal(bySecret.status, 200, bySecret.text);
    assert.equal(bySecret.text, 'hello, plain text\n');
    assertError(
      await server.request('GET', `/v1/media/${id}`, { query: { appId: app.id, token: 'bad' } }),
      401,
    );
    assertError(await server.request('GET', `/v1/media/${id}`, { query: { appId: app.id } }), 401);
    assertError(await server.request('GET', `/v1/media/${id}`), 401);
    // The query credentials are a media-download exception: other routes ignore them.
    assertError(
      await server.request('GET', `/v1/chats/${chat.id}`, { query: { appId: app.id, secret: app.secret } }),
      401,
    );
  });

  it('hides media from other apps and from users outside the chat', async () => {
    const up = await upload(app.as(user.token), { chatId: chat.id }, png());
    const id = up.body.media.id;
    assertError(await server.request('GET', `/v1/media/${id}`, { headers: other.asApp }), 404);
    assertError(
      await server.request('GET', `/v1/media/${id}`, { query: { appId: other.id, secret: other.secret } }),
      404,
    );
    // This app's id with the other app's secret: bad credentials.
    assertError(
      await server.request('GET', `/v1/media/${id}`, {
        headers: { 'x-hyper-appid': app.id, 'x-hyper-secret': other.secret },
      }),
      401,
    );
    assertError(await server.request('GET', `/v1/media/${id}`, { headers: app.as(stranger.token) }), 404);
    assertError(
      await server.request('GET', `/v1/media/${id}`, { query: { appId: app.id, token: stranger.token } }),
      404,
    );
    assertError(await server.request('GET', '/v1/media/01UNKNOWNMEDIA', { headers: app.asApp }), 404);
    assertError(await server.request('GET', `/v1/media/${id}`, { headers: app.asKey }), 403);
  });

  it('lists media, optionally of one chat, for the app server only', async () => {
    const user2 = await createUser(server, app, { name: 'Bob' });
    const chat2 = await createChat(server, app, user2);
    const up = await upload(app.as(user2.token), { chatId: chat2.id }, png(10));
    assert.equal(up.status, 201, up.text);
    const all = await expectStatus(server, 200, 'GET', '/v1/media', { headers: app.asApp });
    const one = await expectStatus(server, 200, 'GET', `/v1/media?chatId=${chat2.id}`, {
      headers: app.asApp,
    });
    assert.deepEqual(one.body.media, [up.body.media]);
    assert.ok(all.body.media.length > 1);
    assert.ok(all.body.media.some((m: Json) => m.chatId === chat.id));
    assert.ok(all.body.media.every((m: Json) => !('bytes' in m)));
    const first = await expectStatus(server, 200, 'GET', `/v1/media?chatId=${chat.id}`, {
      headers: app.asApp,
    });
    assert.ok(first.body.media.length > 0);
    assert.ok(first.body.media.every((m: Json) => m.chatId === chat.id));
    const none = await expectStatus(server, 200, 'GET', `/v1/media?chatId=${chat2.id}`, {
      headers: other.asApp,
    });
    assert.deepEqual(none.body.media, []);
    assertError(await server.request('GET', '/v1/media', { headers: app.as(user.token) }), 403);
  });

  it('allows type patterns such as image/* and refuses other types with 403', async () => {
    for (const type of ['image/jpeg', 'image/webp', 'application/pdf', 'text/plain']) {
      const res = await upload(
        app.as(user.token),
        { chatId: chat.id },
        { name: 'f', type, bytes: binary(5) },
      );
      assert.equal(res.status, 201, `${type}: ${res.text}`);
      assert.equal(res.body.media.type, type);
    }
    for (const type of ['application/x-msdownload', 'text/html', 'application/octet-stream', 'imagex/png']) {
      const res = await upload(
        app.as(user.token),
        { chatId: chat.id },
        { name: 'f.exe', type, bytes: binary(5) },
      );
      assertError(res, 403, /^File type is not allowed$/);
    }
  });

  it('refuses a file above media.maxBytes with 413, and accepts exactly maxBytes', async () => {
    const small = await createTestApp(server, 'Small files');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: small.asApp,
      body: { media: { maxBytes: 1000 } },
    });
    const u = await createUser(server, small);
    const c = await createChat(server, small, u);
    const exact = await upload(small.as(u.token), { chatId: c.id }, png(1000));
    assert.equal(exact.status, 201, exact.text);
    assert.equal(exact.body.media.size, 1000);
    assertError(await upload(small.as(u.token), { chatId: c.id }, png(1001)), 413);
    assertError(await upload(small.as(u.token), { chatId: c.id }, png(50_000)), 413);
    const list = await expectStatus(server, 200, 'GET', `/v1/media?chatId=${c.id}`, { headers: small.asApp });
    assert.equal(list.body.media.length, 1, 'nothing of the refused files was stored');
    const messages = await expectStatus(server, 200, 'GET', `/v1/chats/${c.id}/messages`, {
      headers: small.asApp,
    });
    assert.equal(messages.body.messages.length, 1);
  });

  it('answers 400 for a missing file, a missing chatId or a second file', async () => {
    const noFile = await upload(app.as(user.token), { chatId: chat.id });
    assertError(noFile, 400);
    assert.ok(noFile.body.error.details.some((d: Json) => d.field === 'media'));
    const noChat = await upload(app.as(user.token), {}, png());
    assertError(noChat, 400);
    assert.ok(noChat.body.error.details.some((d: Json) => d.field === 'chatId'));
    assertError(await upload(app.as(user.token), { chatId: chat.id }, { ...png(), field: 'file' }), 400);
    assertError(await upload(app.as(user.token), { chatId: chat.id }, png(), png()), 400);
    const manyFields: Record<string, string> = { chatId: chat.id };
    for (let i = 0; i < 20; i++) manyFields[`extra${i}`] = 'x';
    assertError(await upload(app.as(user.token), manyFields, png()), 400);
    const longSender = await upload(
      app.asApp,
      { chatId: chat.id, senderId: `${user.id}${'x'.repeat(2000)}` },
      png(),
    );
    assertError(longSender, 400);
    assert.ok(longSender.body.error.details.some((d: Json) => d.field === 'senderId'));
    // A few unknown text fields are ignored, like unknown JSON fields.
    const extra = await upload(app.as(user.token), { chatId: chat.id, note: 'hi', type: 'x' }, png());
    assert.equal(extra.status, 201, extra.text);
    assert.ok(!('note' in extra.body.media));
  });

  it('refuses a body that is not multipart', async () => {
    const json = await server.request('POST', '/v1/media', {
      headers: app.as(user.token),
      body: { chatId: chat.id, media: 'aGVsbG8=' },
    });
    assertError(json, 415);
    const bare = await server.request('POST', '/v1/media', { headers: app.as(user.token) });
    assertError(bare, 415);
  });

  it('lets only participants upload (404 unknown chat, 403 not a participant)', async () => {
    assertError(await upload(app.as(stranger.token), { chatId: chat.id }, png()), 404);
    assertError(await upload(app.as(user.token), { chatId: '01UNKNOWNCHAT' }, png()), 404);
    // An agent of the room sees the chat but is not in it: 403.
    const roomAgent = await createAgent(server, app);
    assertError(await upload(app.as(roomAgent.token), { chatId: chat.id }, png()), 403);
    // Another app's chat is invisible.
    const ou = await createUser(server, other);
    assertError(await upload(other.as(ou.token), { chatId: chat.id }, png()), 404);
    assertError(await upload(app.asKey, { chatId: chat.id }, png()), 403);
    assertError(await upload({}, { chatId: chat.id }, png()), 401);
  });

  it('refuses uploads into a closed chat with 409', async () => {
    const u = await createUser(server, app, { name: 'Closer' });
    const c = await createChat(server, app, u);
    await expectStatus(server, 200, 'DELETE', `/v1/chats/${c.id}`, { headers: app.as(u.token) });
    assertError(await upload(app.as(u.token), { chatId: c.id }, png()), 409);
    assertError(await upload(app.asApp, { chatId: c.id, senderId: u.id }, png()), 409);
    const list = await expectStatus(server, 200, 'GET', `/v1/media?chatId=${c.id}`, { headers: app.asApp });
    assert.deepEqual(list.body.media, []);
  });

  /** A multipart body written by hand, for inputs FormData would normalise away. */
  function rawMultipart(parts: string[]): { body: string; contentType: string } {
    const boundary = 'sbBoundary42';
    const body = `${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`;
    return { body, contentType: `multipart/form-data; boundary=${boundary}` };
  }
  const field = (name: string, value: string) =>
    `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;

  it('keeps the file name and never lets it break content-disposition', async () => {
    const post = (disposition: string) => {
      const { body, contentType } = rawMultipart([
        field('chatId', chat.id),
        `Content-Disposition: form-data; name="media"; ${disposition}\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4`,
      ]);
      return server.request('POST', '/v1/media', {
        headers: { ...app.as(user.token), 'content-type': contentType },
        body: Buffer.from(body, 'utf8'),
      });
    };
    const cases: Array<[string, string]> = [
      ['filename="say \\"hi\\" résumé.pdf"', 'say "hi" résumé.pdf'],
      // Control characters never reach the stored name or the response header.
      ['filename="a\tb\u0001c\u007f €.pdf"', 'abc €.pdf'],
    ];
    for (const [disposition, expected] of cases) {
      const up = await post(disposition);
      assert.equal(up.status, 201, `${disposition}: ${up.text}`);
      assert.equal(up.body.media.name, expected);
      assert.equal(up.body.message.message.name, expected);
      const res = await server.request('GET', `/v1/media/${up.body.media.id}`, { headers: app.asApp });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-evil'], undefined);
      const header = String(res.headers['content-disposition']);
      const match = /^inline; filename="([^"]*)"; filename\*=UTF-8''(\S+)$/.exec(header);
      assert.ok(match, header);
      assert.equal(decodeURIComponent(match[2]!), expected, 'filename* carries the exact name');
      assert.match(match[1]!, /^[\x20-\x7e]*$/, 'the fallback name is plain ASCII');
    }
    const long = await post(`filename="${'é'.repeat(300)}.pdf"`);
    assert.equal(long.status, 201, long.text);
    assert.equal(long.body.media.name, 'é'.repeat(255));
  });

  it('answers 400, never 500, for a malformed multipart body', async () => {
    const headers = app.as(user.token);
    for (const [contentType, body] of [
      ['multipart/form-data; boundary=xyz', 'garbage'],
      ['multipart/form-data', 'garbage'],
      [
        'multipart/form-data; boundary=xyz',
        `--xyz\r\n${field('chatId', chat.id)}\r\n--xyz\r\nContent-Disposition: form-data; name="media"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\ncut short`,
      ],
      [
        'multipart/form-data; boundary=xyz',
        `--xyz\r\nContent-Disposition: form-data; name="chatId"\r\nContent-Type: application/json\r\n\r\n{bad\r\n--xyz--\r\n`,
      ],
    ] as const) {
      const res = await server.request('POST', '/v1/media', {
        headers: { ...headers, 'content-type': contentType },
        body,
      });
      assertError(res, 400);
    }
  });

  it('refuses a content type that is not a plain type/subtype', async () => {
    const { body, contentType } = rawMultipart([
      field('chatId', chat.id),
      'Content-Disposition: form-data; name="media"; filename="a.png"\r\nContent-Type: image/png, text/html\r\n\r\n<b>x</b>',
    ]);
    const res = await server.request('POST', '/v1/media', {
      headers: { ...app.as(user.token), 'content-type': contentType },
      body,
    });
    assertError(res, 403, /^File type is not allowed$/);
  });

  it('never serves an uploaded SVG inline (scripts would run on the API origin)', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const up = await upload(
      app.as(user.token),
      { chatId: chat.id },
      {
        name: 'x.svg',
        type: 'image/svg+xml',
        bytes: svg,
      },
    );
    assert.equal(up.status, 201, up.text);
    const res = await server.request('GET', `/v1/media/${up.body.media.id}`, { headers: app.asApp });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-disposition']), /^attachment;/);
    assert.match(String(res.headers['content-security-policy']), /sandbox/);
  });
});
