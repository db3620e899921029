import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page, WebSocketRoute } from 'playwright-core';
import { connect } from '../../server/test/helpers/ws.ts';
import { launchBrowser, SCREENSHOTS, screenshot, type TestBrowser } from './helpers/browser.ts';
import { createUser, describeEachStore, startWebServer, type WebServer } from './helpers/server.ts';
import {
  type Agent,
  demoApp,
  expectOk,
  frame,
  onlineAgent,
  pendingInvitation,
  startChat,
  storedChatId,
  textOf,
  widget,
} from './helpers/widget.ts';

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Lets the test cut the page's sockets and hold reconnections back: while "down", a new socket hangs
 * in CONNECTING (as over a dead network) and is put through to the server once the network is back.
 */
function socketSwitch(page: Page) {
  const open = new Set<WebSocketRoute>();
  const held: WebSocketRoute[] = [];
  let down = false;
  const bridge = (ws: WebSocketRoute) => {
    const upstream = ws.connectToServer();
    open.add(ws);
    ws.onClose(() => {
      open.delete(ws);
      void upstream.close();
    });
    upstream.onClose(() => void ws.close());
  };
  return {
    async install() {
      await page.routeWebSocket(/\/v1\/ws/, (ws) => {
        if (down) held.push(ws);
        else bridge(ws);
      });
    },
    async cut() {
      down = true;
      for (const ws of open) await ws.close({ code: 4000, reason: 'network down (test)' });
    },
    restore() {
      down = false;
      for (const ws of held.splice(0)) bridge(ws);
    },
  };
}

describeEachStore('the visitor widget on the demo page', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let ada: Agent;
  let ben: Agent;
  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
  });
  after(async () => {
    ada?.socket.close();
    ben?.socket.close();
    await browser?.close();
    await server?.close();
  });

  test('nobody online: the visitor leaves a message, which becomes a ticket', async () => {
    const app = demoApp(server);
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const w = widget(page);
    await w.launcher.click();
    await w.dialog.getByText('Nobody is available').waitFor();
    await w.name.fill('Olga Offline');
    await w.email.fill('olga@example.com');
    await w.message.fill('Please call me back about my order 1234.');
    await screenshot(page, 'widget-leave-message');
    await w.dialog.getByRole('button', { name: 'Send message' }).click();
    await w.dialog.getByText('we will reply to olga@example.com').waitFor();
    const chatId = await storedChatId(page, app.id);
    const tickets = await expectOk(server, 'GET', `/v1/tickets?externalId=${chatId}`, app.asApp);
    assert.equal(tickets.tickets.length, 1);
    assert.match(JSON.stringify(tickets.tickets[0].transcript), /order 1234/);
    await context.close();
  });

  test('queue, invitation, messages both ways, typing, receipts, files, a cut socket, reload, transfer, close, transcript', async () => {
    const app = demoApp(server);
    await expectOk(server, 'PUT', '/v1/settings', app.asApp, {
      queue: { active: true },
      media: { maxBytes: 50_000, allowedTypes: ['image/*', 'text/plain'] },
    });
    ada = await onlineAgent(server, app, { name: 'Ada Agent', maxChats: 1 });
    // Someone else is already being offered to Ada: the visitor queues behind them.
    const first = await createUser(server, app);
    const firstChat = (await expectOk(server, 'POST', '/v1/chats', app.as(first.token), {})).chat;
    await pendingInvitation(server, app, ada, firstChat.id);

    const context = await browser.context();
    const page = await context.newPage();
    const sockets = socketSwitch(page);

    await sockets.install();
    await page.goto(`${server.url}/demo/`);
    const w = widget(page);
    await startChat(page);
    await w.status.filter({ hasText: 'number 2 in the queue' }).waitFor();
    assert.match(await textOf(w.status), /1 chat ahead/);
    await screenshot(page, 'widget-queued');
    const chatId = await storedChatId(page, app.id);

    // The chat ahead goes: the visitor is next, and Ada is invited.
    await expectOk(server, 'DELETE', `/v1/chats/${firstChat.id}`, app.asApp);
    await w.status.filter({ hasText: 'number 1 in the queue' }).waitFor();
    const invitation = await frame(
      ada.socket,
      (f) => f.event === 'invitations:new' && f.data.chatId === chatId,
      'the invitation',
    );
    assert.ok(invitation.data.expires > Date.now() / 1000);
    await expectOk(server, 'POST', '/v1/invitations/accept', app.as(ada.token), { chatId });
    await w.dialog.getByText('Chatting with Ada Agent').waitFor();
    assert.equal(await w.status.count(), 0, 'no queue status once an agent is in');

    // Visitor → agent, with typing and the agent's read receipt.
    await w.message.pressSequentially('Hello, ', { delay: 5 });
    await frame(
      ada.socket,
      (f) => f.event === 'users:activity' && f.data.type === 'writing',
      'visitor typing',
    );
    await w.message.pressSequentially('I need help');
    await w.send.click();
    const sent = await frame(ada.socket, (f) => f.event === 'messages:new', 'the visitor’s message');
    assert.equal(sent.data.message.message, 'Hello, I need help');
    await w.items.filter({ hasText: 'Hello, I need help' }).getByText('Sent').waitFor();
    await expectOk(server, 'PUT', `/v1/messages/${sent.data.message.id}/read`, app.as(ada.token), {});
    await w.items.filter({ hasText: 'Hello, I need help' }).getByText('Read').waitFor();

    // Agent → visitor: typing shows, the message arrives, the widget marks it read.
    await expectOk(server, 'POST', `/v1/users/${ada.id}/activity`, app.as(ada.token), {
      chatId,
      type: 'writing',
    });
    await w.dialog.getByText('Ada Agent is typing…').waitFor();
    const reply = await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(ada.token), {
      message: 'Hi Vera, how can I help?',
    });
    await w.items.filter({ hasText: 'Hi Vera, how can I help?' }).waitFor();
    await w.dialog.getByText('is typing…').waitFor({ state: 'detached' });
    const read = await frame(
      ada.socket,
      (f) => f.event === 'messages:read' && f.data.messageId === reply.message.id,
      'the visitor’s read receipt',
    );
    assert.notEqual(read.data.userId, ada.id);
    await screenshot(page, 'widget-conversation');
    // The panel alone, for the docs (docs/images/widget.png is a copy of it).
    await page.screenshot({
      path: join(SCREENSHOTS, 'widget-panel.png'),
      clip: { x: 884, y: 98, width: 386, height: 692 },
    });

    // Files: a refused type and one too large get a clear message and send nothing; an image goes.
    const fileInput = w.dialog.locator('input[type=file]');
    await fileInput.setInputFiles({
      name: 'tool.exe',
      mimeType: 'application/x-msdownload',
      buffer: Buffer.alloc(10),
    });
    await w.alert.filter({ hasText: 'this type of file is not accepted' }).waitFor();
    await fileInput.setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(60_000) });
    await w.alert.filter({ hasText: 'is too large' }).waitFor();
    await screenshot(page, 'widget-file-refused');
    await fileInput.setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: PNG });
    const media = await frame(ada.socket, (f) => f.event === 'messages:new', 'the attachment');
    assert.equal(media.data.message.type, 'media');
    assert.equal(media.data.message.message.name, 'dot.png');
    await w.items.filter({ hasText: 'dot.png' }).getByRole('img', { name: 'dot.png' }).waitFor();
    const count = await w.items.count();

    // The socket is cut on both sides: the banner shows; what is sent meanwhile arrives once.
    await sockets.cut();
    ada.socket.close();
    await w.dialog.getByText('Connection lost').waitFor();
    await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(ada.token), {
      message: 'Sent while you were away',
    });
    await w.message.fill('Typed while offline');
    await w.send.click();
    await w.items
      .filter({ hasText: 'Typed while offline' })
      .getByText('Waiting for the connection')
      .waitFor();
    await screenshot(page, 'widget-disconnected');
    sockets.restore();
    ada = { ...ada, socket: await connect(server, app, { token: ada.token }) };
    await w.items.filter({ hasText: 'Sent while you were away' }).waitFor();
    await w.items.filter({ hasText: 'Typed while offline' }).getByText('Sent').waitFor();
    await w.dialog.getByText('Connection lost').waitFor({ state: 'detached' });
    assert.equal(await w.items.count(), count + 2);
    const stored = await expectOk(server, 'GET', `/v1/chats/${chatId}/messages?limit=200`, app.asApp);
    assert.equal(
      stored.messages.filter((m: { message: unknown }) => m.message === 'Typed while offline').length,
      1,
    );

    // A reload keeps the chat: still connected with the panel closed, an unread badge, same messages.
    await page.reload();
    await page.waitForFunction(() => window.__switchboardPanel !== undefined);
    await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(ada.token), {
      message: 'Still there?',
    });
    const badge = () =>
      page.evaluate(
        () => document.querySelector('switchboard-widget')?.shadowRoot?.querySelector('.b')?.textContent,
      );
    await page.waitForFunction(
      () =>
        document.querySelector('switchboard-widget')?.shadowRoot?.querySelector('.b')?.textContent === '1',
    );
    await w.launcher.click();
    await w.items.filter({ hasText: 'Still there?' }).waitFor();
    assert.equal(await badge(), '');
    assert.equal(await w.items.count(), count + 3);
    await w.dialog.getByText('Chatting with Ada Agent').waitFor();

    // Transfer to Ben.
    ben = await onlineAgent(server, app, { name: 'Ben Agent' });
    await expectOk(server, 'POST', '/v1/invitations', app.as(ada.token), {
      chatId,
      userId: ben.id,
      transfer: true,
    });
    await expectOk(server, 'POST', '/v1/invitations/accept', app.as(ben.token), { chatId });
    await w.dialog.getByText('Chatting with Ben Agent').waitFor();
    await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(ben.token), {
      message: 'Ben here.',
    });
    await w.items.filter({ hasText: 'Ben here.' }).filter({ hasText: 'Ben Agent' }).waitFor();

    // Ben closes the chat; the visitor downloads the transcript.
    await expectOk(server, 'DELETE', `/v1/chats/${chatId}`, app.as(ben.token));
    await w.dialog.getByText('This chat has ended.').waitFor();
    await screenshot(page, 'widget-closed');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      w.dialog.getByRole('button', { name: 'Download transcript' }).click(),
    ]);
    const transcript = readFileSync(String(await download.path()), 'utf8');
    for (const text of [
      'Hello, I need help',
      'Hi Vera, how can I help?',
      'Sent while you were away',
      'Ben here.',
    ])
      assert.ok(transcript.includes(text), `transcript has “${text}”:\n${transcript}`);
    await context.close();
  });

  test('bad input: the server going away and an expired session each get a clear message', async () => {
    const app = demoApp(server);
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/demo/`);
    const w = widget(page);
    await w.launcher.click();
    await w.name.fill('Gone');
    await w.email.fill('gone@example.com');
    await page.route('**/v1/users', (route) => route.abort('connectionrefused'));
    await w.start.click();
    await w.alert.filter({ hasText: 'cannot be reached' }).waitFor();
    assert.equal(await w.start.isEnabled(), true, 'the form can be sent again');
    await screenshot(page, 'widget-server-away');
    await page.unroute('**/v1/users');

    // A session the server no longer knows (expired, revoked): the widget starts over and says so.
    await page.evaluate(
      (key) => localStorage.setItem(key, JSON.stringify({ userId: 'u1', token: 'expired', chatId: 'c1' })),
      `switchboard:${app.id}`,
    );
    await page.reload();
    await w.launcher.click();
    await w.dialog.getByText('Your previous chat session has expired.').waitFor();
    await w.start.waitFor();
    await context.close();
  });
});
