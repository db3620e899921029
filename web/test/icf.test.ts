import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import type { Json } from '../../server/test/helpers/harness.ts';
import { launchBrowser, type TestBrowser } from './helpers/browser.ts';
import { icfSite, type Site } from './helpers/icf-site.ts';
import {
  createAgent,
  createTestApp,
  describeEachStore,
  startWebServer,
  type TestApp,
  type WebServer,
  waitFor,
} from './helpers/server.ts';
import { type Agent, expectOk, frame, onlineAgent, pendingInvitation } from './helpers/widget.ts';

/** docs/icf.md: icf.sdk.js ≤ 25 KB gzip, the SDK (REST and realtime) included. */
const BUDGET = 25 * 1024;

test('icf.sdk.js fits its budget (gzip)', () => {
  const bytes = gzipSync(readFileSync(join(import.meta.dirname, '..', 'dist', 'icf.sdk.js')), {
    level: 9,
  }).length;
  console.log(`icf.sdk.js: ${bytes} B gzip -9`);
  assert.ok(bytes <= BUDGET, `icf.sdk.js is ${bytes} B gzip, over ${BUDGET}`);
});

type Integration = Record<string, (...args: unknown[]) => unknown>;

/** Calls `window.integration[name](...args)` in the page (helpers/icf-site.ts). */
function call(page: Page, name: string, ...args: unknown[]): Promise<Json> {
  return page.evaluate(
    ([n, a]) =>
      (window as unknown as { integration: Integration }).integration[n as string]!(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<Json>;
}

/** The ICF events the integration heard, by name. */
async function heard(page: Page, name: string): Promise<Json[]> {
  const log = (await page.evaluate(() => (window as unknown as { icfLog: Json[] }).icfLog)) as Json[];
  return log.filter((entry) => entry.name === name).map((entry) => entry.data);
}

function heardOne(page: Page, name: string, match: (data: Json) => boolean = () => true): Promise<Json> {
  return waitFor(async () => (await heard(page, name)).find(match), 10_000, name);
}

describeEachStore('icf.sdk.js: a HyperChat integration on a customer’s site', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let site: Site;
  let app: TestApp;
  let agent: Agent;

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    site = await icfSite();
    app = await createTestApp(server, 'Shop', [site.origin]);
    site.configure(app.id, server.url);
    agent = await onlineAgent(server, app, { name: 'Sam Support', nickname: 'Sam' });
  });
  after(async () => {
    agent?.socket.close();
    await browser?.close();
    await server?.close();
    site?.server.close();
  });

  test('a whole chat: escalation, messages both ways, read receipts, media, errors, reload, close', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(site.origin);
    assert.equal(await call(page, 'load'), true, 'ICF.init resolves and ICF.isInit is true');
    assert.equal(await call(page, 'isChatOpen'), false);

    // The adapter's escalation: a user, the lobby, a chat, an agent searched.
    const start = await call(
      page,
      'escalate',
      { name: 'Cora Customer', contact: 'cora@example.com' },
      { room: 1, lang: 'en', source: 3 },
    );
    const chatId = start.chatId as string;
    const me = start.me as Json;
    assert.equal(start.agent, true, 'an agent with a free slot: searchAgent answers a truthy agent');
    assert.equal(me.name, 'Cora Customer');
    assert.equal(typeof start.token, 'string');
    assert.equal(start.logged, true);
    assert.deepEqual(
      (start.users as Json[]).map((u) => u.id),
      [me.id],
      'chat.users holds User objects',
    );
    assert.equal(await call(page, 'isChatOpen'), true, 'the i.cc cookie tells the chat is open');
    const [cookie] = (await context.cookies(site.origin)).filter((c) => c.name === 'i.cc');
    assert.ok(cookie, 'the i.cc cookie');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.sameSite, 'Lax');
    assert.deepEqual(
      { ...JSON.parse(decodeURIComponent(cookie.value)), r: 0 },
      { a: app.id, u: me.id, t: start.token, c: chatId, r: 0 },
    );

    // A second chat while this one is open: rejected with the error body.
    const second = await call(page, 'anotherChat', { room: 1, lang: 'en' });
    assert.deepEqual(second.body, { error: { code: 409, message: 'User already has a chat' } });
    assert.equal(second.code, 409);
    assert.equal(second.message, 'User already has a chat');

    // The agent accepts the invitation the routing loop sent: user:joined {user}.
    await pendingInvitation(server, app, agent, chatId);
    await expectOk(server, 'POST', '/v1/invitations/accept', app.as(agent.token), {
      chatId,
      userId: agent.id,
    });
    const joined = await heardOne(page, 'user:joined');
    assert.deepEqual(Object.keys(joined), ['user']);
    assert.equal((joined.user as Json).id, agent.id);
    assert.equal((joined.user as Json).nickname, 'Sam');

    // sendMessage: onCreated at once with the event id, then {message, eventId}.
    const sent = await call(page, 'send', 'Where is my order?');
    const created = (sent.created as Json[])[0]!;
    const result = sent.result as Json;
    assert.deepEqual(created, { eventId: created.eventId, text: 'Where is my order?', sender: me.id });
    assert.equal(result.eventId, created.eventId);
    const mine = result.message as Json;
    assert.equal(mine.message, 'Where is my order?');
    assert.equal(mine.sender, me.id);
    await frame(
      agent.socket,
      (f) => f.event === 'messages:new' && f.data.message.id === mine.id,
      'the message at the agent',
    );

    // The agent answers: message:received with HyperChat's shape, read on delivery.
    const answer = await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(agent.token), {
      message: 'It ships today.',
    });
    const received = await heardOne(page, 'message:received');
    assert.deepEqual(received, {
      message: { id: answer.message.id, sender: agent.id, type: 'text', message: 'It ships today.' },
    });
    await frame(
      agent.socket,
      (f) => f.event === 'messages:read' && f.data.messageId === answer.message.id && f.data.userId === me.id,
      'the answer read by the user',
    );
    assert.equal(
      (await heard(page, 'message:received')).length,
      1,
      'the user’s own message is not echoed back',
    );

    // The agent reads the user's message: message:read {message: {id, sender}}.
    await expectOk(server, 'PUT', `/v1/messages/${mine.id}/read`, app.as(agent.token), {});
    assert.deepEqual(await heardOne(page, 'message:read'), { message: { id: mine.id, sender: me.id } });

    // The user writes in the bot's input: the agent hears writing, then not-writing.
    await call(page, 'monitor');
    await page.getByRole('textbox', { name: 'Message' }).fill('Also…');
    await frame(agent.socket, (f) => f.event === 'users:activity' && f.data.type === 'writing', 'writing');
    await frame(
      agent.socket,
      (f) => f.event === 'users:activity' && f.data.type === 'not-writing',
      'not-writing',
    );

    // A file: {media} (and the message), progress told.
    const media = await call(page, 'sendMedia', 'receipt.txt', 'order 42');
    assert.deepEqual(media.progress, [0, 100]);
    const upload = media.result as Json;
    assert.equal(upload.media.name, 'receipt.txt');
    assert.equal(upload.message.type, 'media');
    const bytes = await server.request('GET', `/v1/media/${upload.media.id}`, { headers: app.asApp });
    assert.equal(bytes.text, 'order 42');

    // ICF.Api.request → {data}; a failure rejects with the error body. ICF.Events.send by name.
    const chat = await call(page, 'api', `/chats/${chatId}`, 'GET', { fields: 'users' });
    assert.equal(((chat.data as Json).chat as Json).status, 'active');
    const missing = await call(page, 'api', '/chats/nope', 'GET');
    assert.equal((missing.body as Json).error.code, 404);
    const chats = await call(page, 'userChats');
    assert.deepEqual(
      Object.keys(chats.chats as Json),
      [chatId],
      'users:chats keyed by chat id, as HyperChat did',
    );

    // The page goes away; the agent writes meanwhile; the page comes back and finds the chat (cookie).
    await page.goto('about:blank');
    const away = await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(agent.token), {
      message: 'Anything else?',
    });
    await page.goto(site.origin);
    assert.equal(await call(page, 'isChatOpen'), true);
    assert.equal(await call(page, 'load'), true);
    const restored = await call(page, 'restore');
    assert.equal(restored.id, chatId);
    assert.equal(restored.closed, false);
    assert.equal(restored.logged, true);
    assert.deepEqual((restored.users as Json[]).map((u) => u.id).sort(), [me.id, agent.id].sort());
    assert.deepEqual(
      restored.unread,
      {
        [away.message.id]: { id: away.message.id, sender: agent.id, type: 'text', message: 'Anything else?' },
      },
      'only what was sent while away is unread',
    );
    const back = await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(agent.token), {
      message: 'Welcome back.',
    });
    assert.deepEqual(await heardOne(page, 'message:received'), {
      message: { id: back.message.id, sender: agent.id, type: 'text', message: 'Welcome back.' },
    });
    const again = await call(page, 'send', 'Thanks!');
    assert.equal((again.result as Json).message.sender, me.id, 'the restored session sends as the same user');

    // A supervisor takes the chat over: chat:intervened with Users, and the agent's user:left.
    const supervisor = await createAgent(server, app, { name: 'Sol Lead', rooms: [1], role: 'supervisor' });
    await expectOk(server, 'POST', `/v1/chats/${chatId}/intervene`, app.as(supervisor.token), {});
    const intervened = await heardOne(page, 'chat:intervened');
    assert.deepEqual(Object.keys(intervened).sort(), ['intervenedUsers', 'interventor']);
    assert.equal((intervened.interventor as Json).id, supervisor.id);
    assert.equal((intervened.interventor as Json).name, 'Sol Lead');
    assert.deepEqual(
      (intervened.intervenedUsers as Json[]).map((u) => u.id),
      [agent.id],
    );
    assert.equal(((await heardOne(page, 'user:left')).user as Json).id, agent.id);

    // The supervisor closes: chat:closed, the chat is no longer open, the cookie is gone.
    await expectOk(server, 'DELETE', `/v1/chats/${chatId}`, app.as(supervisor.token), {});
    const closed = await heardOne(page, 'chat:closed');
    assert.equal(closed.chatId, chatId);
    assert.equal(closed.userId, supervisor.id);
    assert.deepEqual(await call(page, 'openChats'), []);
    assert.equal(await call(page, 'isChatOpen'), false);
    assert.deepEqual(failures, []);
    await context.close();
  });

  test('no agent available: searchAgent answers a falsy agent; the user closes the chat', async () => {
    const lonely = await createTestApp(server, 'Night shop', [site.origin]);
    const context = await browser.context();
    const page = await context.newPage();
    // This integration gives ICF.init no server: the SDK talks to where the script came from.
    site.configure(lonely.id, server.url, 'script-origin');
    try {
      await page.goto(site.origin);
      await call(page, 'load');
      const start = await call(page, 'escalate', { name: 'Nia Night' }, { room: 1, lang: 'en' });
      assert.equal(start.agent, false);
      const closing = (await call(page, 'close')) as Json;
      assert.equal(closing.chat.status, 'closed');
      const closed = await heardOne(page, 'chat:closed');
      assert.equal(closed.chatId, start.chatId);
      assert.equal(await call(page, 'isChatOpen'), false);
    } finally {
      site.configure(app.id, server.url);
      await context.close();
    }
  });
});
