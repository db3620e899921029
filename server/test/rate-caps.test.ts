import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import {
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import {
  describeEachStore,
  type Json,
  type Response,
  startServer,
  type TestServer,
} from './helpers/harness.ts';
import { connect } from './helpers/ws.ts';

/** A 429 in the error envelope with a whole number of seconds in Retry-After. */
function assertCapped(res: Response, what: RegExp): void {
  assert.equal(res.status, 429, res.text);
  assert.equal((res.body as Json).error.code, 429);
  assert.match((res.body as Json).error.message, what);
  assert.match(String(res.headers['retry-after']), /^[1-9]\d*$/);
}

function upload(server: TestServer, headers: Record<string, string>, chatId: string) {
  const boundary = 'capboundary';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="chatId"\r\n\r\n${chatId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n` +
      `--${boundary}--\r\n`,
  );
  return server.request('POST', '/v1/media', {
    headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
}

describeEachStore('rate caps per app (fair share)', (kind) => {
  let server: TestServer;
  let a: TestApp;
  let b: TestApp;
  let userA: Person;
  let userB: Person;
  let chatA: Json;
  let chatB: Json;

  before(async () => {
    server = await startServer(kind, {
      SWITCHBOARD_MAX_MESSAGES_PER_SECOND: '5',
      SWITCHBOARD_MAX_USERS_PER_MINUTE: '3',
      SWITCHBOARD_MAX_UPLOADS_PER_MINUTE: '2',
    });
    a = await createTestApp(server, 'Capped A');
    b = await createTestApp(server, 'Calm B');
    userA = await createUser(server, a);
    userB = await createUser(server, b);
    chatA = await createChat(server, a, userA);
    chatB = await createChat(server, b, userB);
  });
  after(() => server.close());

  it('end users per minute: past the cap 429 with Retry-After, nothing created; another app still creates', async () => {
    // One user of each app exists already (before()); two more fit under A's cap of 3.
    await createUser(server, a, { name: 'Two' });
    await createUser(server, a, { name: 'Three' });
    const refused = await server.request('POST', '/v1/users', { headers: a.asApp, body: { name: 'Four' } });
    assertCapped(refused, /at most 3 users per minute/);
    assert.ok(Number(refused.headers['retry-after']) <= 60);
    const list = await expectStatus(server, 200, 'GET', '/v1/users?limit=200', { headers: a.asApp });
    assert.equal(
      (list.body.users as Json[]).filter((u) => u.name === 'Four').length,
      0,
      'the refused user was not created',
    );
    // B is untouched by A's cap.
    await createUser(server, b, { name: 'B two' });
  });

  it('messages per second: a burst past the cap answers 429 (REST and realtime), another app sends meanwhile', async () => {
    const send = (app: TestApp, user: Person, chat: Json, i: number) =>
      server.request('POST', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(user.token),
        body: { message: `m${i}` },
      });
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => send(a, userA, chatA, i)));
    const capped = burst.filter((r) => r.status === 429);
    assert.ok(capped.length > 0, `a burst of 12 past a cap of 5/s: ${burst.map((r) => r.status)}`);
    assert.ok(burst.every((r) => r.status === 201 || r.status === 429));
    assertCapped(capped[0]!, /at most 5 messages per second/);
    // While A is capped, B's message goes through.
    const fromB = await send(b, userB, chatB, 0);
    assert.equal(fromB.status, 201, fromB.text);
    // Only what was accepted is stored.
    const stored = await expectStatus(server, 200, 'GET', `/v1/chats/${chatA.id}/messages?limit=200`, {
      headers: a.asApp,
    });
    const accepted = burst.filter((r) => r.status === 201).length;
    assert.equal((stored.body.messages as Json[]).filter((m) => /^m\d+$/.test(m.message)).length, accepted);

    // Realtime: the same cap, an error ack with code 429 and retryAfter.
    const socket = await connect(server, a, { token: userA.token });
    try {
      const ids = Array.from({ length: 12 }, (_, i) =>
        socket.request('messages:new', { chatId: chatA.id, message: `ws${i}` }),
      );
      const errors: Json[] = [];
      for (let seen = 0; seen < ids.length; ) {
        const frame = await socket.next(5000, 'acks');
        if (frame.ack === undefined) continue; // the messages' own events
        seen++;
        if (frame.error) errors.push(frame.error);
      }
      assert.ok(errors.length > 0, 'a burst of 12 frames past 5/s is capped');
      assert.equal(errors[0]!.code, 429);
      assert.match(errors[0]!.message, /at most 5 messages per second/);
      assert.ok(Number.isInteger(errors[0]!.retryAfter) && errors[0]!.retryAfter >= 1);
    } finally {
      await socket.close();
    }
    assert.equal((await send(b, userB, chatB, 1)).status, 201);
  });

  it('uploads per minute: past the cap 429 before the body is stored; another app still uploads', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await upload(server, a.as(userA.token), chatA.id)).status, 201);
    const refused = await upload(server, a.as(userA.token), chatA.id);
    assertCapped(refused, /at most 2 uploads per minute/);
    const media = await expectStatus(server, 200, 'GET', `/v1/media?chatId=${chatA.id}`, {
      headers: a.asApp,
    });
    assert.equal((media.body.media as Json[]).length, 2, 'the refused upload stored nothing');
    const fromB = await upload(server, b.as(userB.token), chatB.id);
    assert.equal(fromB.status, 201, fromB.text);
  });
});
