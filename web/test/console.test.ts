import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { Message } from '../src/lib/sdk.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createAgent,
  createTestApp,
  describeEachStore,
  startWebServer,
  type TestApp,
  type WebServer,
  waitFor,
} from './helpers/server.ts';
import { Visitor } from './helpers/visitor.ts';

const PASSWORD = 'correct horse 42';

/** An agent's browser tab on /console/, signed in through the form. */
async function signIn(
  context: BrowserContext,
  server: WebServer,
  app: TestApp,
  contact: string,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.url}/console/?appId=${app.id}`);
  await page.getByRole('textbox', { name: 'Email' }).fill(contact);
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('combobox', { name: 'Status' }).waitFor();
  return page;
}

/** Cuts every realtime socket on the server at once (the TCP connection dies, no close handshake). */
function killSockets(server: WebServer): number {
  const clients = (server.sb.http as unknown as { websocketServer: { clients: Set<{ terminate(): void }> } })
    .websocketServer.clients;
  const count = clients.size;
  for (const ws of clients) ws.terminate();
  return count;
}

describeEachStore('agent console', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  const contacts = { alice: `alice-${kind}@example.com`, bob: `bob-${kind}@example.com` };
  const ids = { alice: '', bob: '' };
  const setStatus = async (id: string, status: string) => {
    const res = await server.request('PUT', `/v1/agents/${id}`, { headers: app.asApp, body: { status } });
    assert.equal(res.status, 200, res.text);
  };

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Console test');
    await server.request('PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        queue: { active: true },
        media: { maxBytes: 64 * 1024, allowedTypes: ['image/*', 'text/plain'] },
      },
    });
    const a = await createAgent(server, app, {
      name: 'Alice',
      contact: contacts.alice,
      password: PASSWORD,
      maxChats: 1,
    });
    const b = await createAgent(server, app, {
      name: 'Bob',
      contact: contacts.bob,
      password: PASSWORD,
      maxChats: 2,
    });
    ids.alice = a.id;
    ids.bob = b.id;
    // Both start offline: only signing in to the console puts an agent online.
    for (const id of [a.id, b.id]) await setStatus(id, 'offline');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('a wrong password says so and leaves the form usable; the App ID is prefilled from the URL', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/console/?appId=${app.id}`);
    assert.equal(await page.getByRole('textbox', { name: 'App ID' }).inputValue(), app.id);
    await page.getByRole('textbox', { name: 'Email' }).fill(contacts.alice);
    await page.getByRole('textbox', { name: 'Password' }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
    await screenshot(page, `console-wrong-password-${kind}`);
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).isEnabled(), true);
    await context.close();
  });

  test('invitation with countdown and title badge, accepted from the keyboard; messages, typing and read receipts both ways; an attachment; sockets killed with nothing lost; transfer; close', async () => {
    const alice = await signIn(await browser.context(), server, app, contacts.alice);
    assert.equal(await alice.getByRole('combobox', { name: 'Status' }).inputValue(), 'online');

    // A visitor arrives with details and an imported bot conversation.
    const visitor = await Visitor.arrive(server.url, app.id, app.domainKey, 'Vera', {
      contact: 'vera@example.org',
      extraInfo: { plan: 'Pro', page: '/pricing' },
    });
    const chat = await visitor.openChat({
      history: [
        { sender: 'assistant', message: 'Hi! I am the bot. How can I help?', created: 1_700_000_000 },
      ],
    });

    const invitation = alice.getByRole('dialog', { name: 'Invitation' });
    await invitation.waitFor();
    await invitation.getByText('Vera').waitFor();
    const ring = invitation.getByRole('img', { name: /seconds left/ });
    const secondsLeft = Number((await ring.getAttribute('aria-label'))!.split(' ')[0]);
    assert.ok(secondsLeft > 0 && secondsLeft <= 30, `countdown shows ${secondsLeft}`);
    assert.match(await alice.title(), /^\(1\) New chat/);
    await screenshot(alice, `console-invitation-${kind}`);

    await alice.keyboard.press('Alt+A');
    await invitation.waitFor({ state: 'detached' });
    assert.doesNotMatch(await alice.title(), /New chat/);
    await visitor.until('chats:join');

    // Visitor details and the bot history.
    const details = alice.getByRole('complementary', { name: 'Visitor details' });
    await details.getByText('vera@example.org').waitFor();
    await details.getByText('Pro').waitFor();
    await details.getByText('Hi! I am the bot. How can I help?').waitFor();

    // Every control of the workspace is reachable with Tab alone.
    const reached: string[] = [];
    for (let i = 0; i < 30; i++) {
      await alice.keyboard.press('Tab');
      reached.push(
        await alice.evaluate(() => {
          const el = document.activeElement as HTMLInputElement | null;
          if (!el) return '';
          return (
            el.getAttribute('aria-label') ||
            el.labels?.[0]?.textContent ||
            el.textContent ||
            ''
          ).trim();
        }),
      );
    }
    for (const name of ['Status', 'Sign out', 'Vera', 'Transfer', 'Close chat', 'Attach a file', 'Message']) {
      assert.ok(
        reached.some((r) => r.startsWith(name)),
        `${name} is reached with Tab (reached: ${reached.join(' | ')})`,
      );
    }

    // Visitor → agent: a message, typing, then the agent reads it (receipt to the visitor).
    const log = alice.getByRole('log');
    await visitor.typing(true);
    await alice.getByText('Vera is typing…').waitFor();
    const hello = await visitor.say('Hello, my invoice is wrong');
    await log.getByRole('listitem').filter({ hasText: 'Hello, my invoice is wrong' }).waitFor();
    await alice.getByText('Vera is typing…').waitFor({ state: 'detached' });
    await visitor.until('messages:read', (d) => d.messageId === hello.id);

    // Agent → visitor: typing, a message, then the visitor reads it (receipt in the console).
    const composer = alice.getByRole('textbox', { name: 'Message' });
    await composer.pressSequentially('Let me check');
    await visitor.until('users:activity', (d) => d.type === 'writing' && d.userId !== visitor.user.id);
    await alice.getByRole('button', { name: 'Send' }).click();
    const reply = await visitor.until(
      'messages:new',
      (d) => (d.message as Message).message === 'Let me check',
    );
    const mine = log.getByRole('listitem').filter({ hasText: 'Let me check' });
    await mine.getByText('Sent').waitFor();
    await visitor.read((reply.data.message as Message).id);
    await mine.getByText('Read').waitFor();

    // An attachment: uploaded, previewed, downloadable; the visitor hears it as a media message.
    // A real picture to send: Chromium's own rendering of the console's header.
    const png = await alice.locator('.console__header').screenshot();
    await alice
      .getByLabel('Attach a file')
      .setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: png });
    const attachment = log.getByRole('listitem').filter({ hasText: 'receipt.png' });
    await attachment.getByRole('img', { name: 'receipt.png' }).waitFor();
    const href = await attachment.getByRole('link', { name: /receipt\.png/ }).getAttribute('href');
    const download = await fetch(href!);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), png);
    await visitor.until('messages:new', (d) => (d.message as Message).type === 'media');
    await screenshot(alice, `console-conversation-${kind}`);

    // Refused uploads say why, and the composer still works.
    await alice.getByLabel('Attach a file').setInputFiles({
      name: 'big.png',
      mimeType: 'image/png',
      buffer: Buffer.alloc(65 * 1024, 1),
    });
    await alice.getByRole('alert').filter({ hasText: 'too large' }).waitFor();
    await alice.getByLabel('Attach a file').setInputFiles({
      name: 'tool.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from('PK'),
    });
    await alice.getByRole('alert').filter({ hasText: '“tool.zip” cannot be sent' }).waitFor();
    await screenshot(alice, `console-chat-${kind}`);

    // Every socket dies mid-chat. While the agent is cut off, the visitor writes; while the agent's
    // socket is still down, the agent sends. Afterwards both sides have everything, once.
    const heardBefore = visitor.heard.length;
    assert.ok(killSockets(server) >= 2);
    await alice.getByText(/Connection lost/).waitFor();
    await screenshot(alice, `console-disconnected-${kind}`);
    const whileDown = await visitor.say('Are you still there?');
    await composer.fill('Yes, one moment');
    await composer.press('Enter');
    await alice.getByText(/Connection lost/).waitFor({ state: 'detached' });
    await log.getByRole('listitem').filter({ hasText: 'Are you still there?' }).waitFor();
    await visitor.until(
      'messages:new',
      (d) => (d.message as Message).message === 'Yes, one moment',
      heardBefore,
    );
    assert.equal(visitor.texts().filter((t) => t === 'Yes, one moment').length, 1);
    assert.equal(await log.getByRole('listitem').filter({ hasText: 'Yes, one moment' }).count(), 1);
    await visitor.until('messages:read', (d) => d.messageId === whileDown.id);

    // Transfer to Bob (online, a free slot); Alice's chat moves to him once he accepts.
    const bob = await signIn(await browser.context(), server, app, contacts.bob);
    await alice.getByRole('button', { name: 'Transfer' }).click();
    const transfer = alice.getByRole('dialog', { name: 'Transfer chat' });
    await transfer.getByRole('button', { name: 'Transfer to Bob' }).click();
    await transfer.getByRole('status').filter({ hasText: 'Invitation sent to Bob' }).waitFor();
    const bobInvitation = bob.getByRole('dialog', { name: 'Invitation' });
    await bobInvitation.getByText('is being transferred to you').waitFor();
    await bobInvitation.getByRole('button', { name: 'Accept' }).click();
    const bobLog = bob.getByRole('log');
    await bobLog.getByRole('listitem').filter({ hasText: 'Hello, my invoice is wrong' }).waitFor();
    await alice.getByRole('heading', { name: 'No chat open' }).waitFor();
    await visitor.until('chats:leave');

    // Bob closes the chat: the visitor hears it, the console says so.
    await bob.getByRole('button', { name: 'Close chat' }).click();
    await bob.getByText('This chat is closed.').waitFor();
    await visitor.until('chats:close', (d) => d.chatId === chat.id);
    await screenshot(bob, `console-closed-${kind}`);
    visitor.close();
    await alice.context().close();
    await bob.context().close();
  });

  test('the queue shows waiting chats with positions; an invitation that times out goes away by itself', async () => {
    await server.request('PUT', '/v1/settings', { headers: app.asApp, body: { assign: { timeout: 2 } } });
    await setStatus(ids.bob, 'offline');
    const alice = await signIn(await browser.context(), server, app, contacts.alice);
    // Alice (one slot) takes the first chat; the next two wait in the queue.
    const first = await Visitor.arrive(server.url, app.id, app.domainKey, 'First');
    await first.openChat();
    await alice.getByRole('dialog', { name: 'Invitation' }).getByRole('button', { name: 'Accept' }).click();
    await alice.getByRole('log').waitFor();
    const second = await Visitor.arrive(server.url, app.id, app.domainKey, 'Second');
    await second.openChat();
    const third = await Visitor.arrive(server.url, app.id, app.domainKey, 'Third');
    await third.openChat();
    const queue = alice.getByRole('list', { name: 'Queue' });
    await waitFor(async () => (await queue.getByRole('listitem').count()) === 2, 15_000, 'two queued chats');
    assert.deepEqual(await queue.locator('.console__queue-position').allTextContents(), ['#1', '#2']);
    await screenshot(alice, `console-queue-${kind}`);

    // Alice closes her chat: the head of the queue is offered to her, and she lets it time out.
    await alice.getByRole('button', { name: 'Close chat' }).click();
    const invitation = alice.getByRole('dialog', { name: 'Invitation' });
    await invitation.waitFor();
    await invitation.waitFor({ state: 'detached', timeout: 15_000 });
    assert.doesNotMatch(await alice.title(), /New chat/);
    for (const v of [first, second, third]) v.close();
    await alice.context().close();
    await server.request('PUT', '/v1/settings', { headers: app.asApp, body: { assign: { timeout: 30 } } });
  });

  test('an app that requires its domain key: signing in works with ?key= and is refused without it', async () => {
    await server.request('PUT', '/v1/settings', {
      headers: app.asApp,
      body: { auth: { requireDomainKey: true } },
    });
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/console/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(contacts.alice);
    await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
    await page.goto(`${server.url}/console/?appId=${app.id}&key=${app.domainKey}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(contacts.alice);
    await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox', { name: 'Status' }).waitFor();
    await context.close();
    await server.request('PUT', '/v1/settings', {
      headers: app.asApp,
      body: { auth: { requireDomainKey: false } },
    });
  });

  test('signing out ends the session quietly; a password change elsewhere sends the console to sign-in', async () => {
    const context = await browser.context();
    const alice = await signIn(context, server, app, contacts.alice);
    await waitFor(async () => server.sb.realtime.connectionCount() === 1, 10_000, 'the console connected');
    // Sign out: the server ends the session and closes its socket (4001), which is not an expiry.
    await alice.getByRole('button', { name: 'Sign out' }).click();
    await alice.getByRole('textbox', { name: 'Email' }).waitFor();
    await waitFor(async () => server.sb.realtime.connectionCount() === 0, 10_000, 'the socket closed');
    assert.equal(await alice.getByText('Your session has expired. Sign in again.').count(), 0);
    // Signed in again; the app server changes the password: the console's socket closes at once.
    await alice.getByRole('textbox', { name: 'Email' }).fill(contacts.alice);
    await alice.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await alice.getByRole('button', { name: 'Sign in' }).click();
    await alice.getByRole('combobox', { name: 'Status' }).waitFor();
    await waitFor(async () => server.sb.realtime.connectionCount() === 1, 10_000, 'the console connected');
    const res = await server.request('PUT', `/v1/agents/${ids.alice}`, {
      headers: app.asApp,
      body: { password: PASSWORD },
    });
    assert.equal(res.status, 200, res.text);
    await alice.getByText('Your session has expired. Sign in again.').waitFor({ timeout: 5000 });
    await context.close();
  });

  test('an expired session returns to sign-in with a clear message; a server that goes away shows the banner and a clear error', async () => {
    const context = await browser.context();
    const alice = await signIn(context, server, app, contacts.alice);
    // The session's row goes, as when its 24 h run out.
    await server.sb.store.db.deleteFrom('sessions').where('userId', '=', ids.alice).execute();
    await alice.reload();
    await alice.getByText('Your session has expired. Sign in again.').waitFor();
    await screenshot(alice, `console-expired-${kind}`);

    // Signed in again, then the server stops: banner, and signing in again explains the failure.
    await alice.getByRole('textbox', { name: 'Email' }).fill(contacts.alice);
    await alice.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await alice.getByRole('button', { name: 'Sign in' }).click();
    await alice.getByRole('combobox', { name: 'Status' }).waitFor();
    await waitFor(async () => server.sb.realtime.connectionCount() === 1, 10_000, 'the console connected');
    await server.sb.close();
    await alice.getByText(/Connection lost/).waitFor();
    await alice.getByRole('button', { name: 'Sign out' }).click();
    await alice.getByRole('textbox', { name: 'Email' }).fill(contacts.alice);
    await alice.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await alice.getByRole('button', { name: 'Sign in' }).click();
    await alice.getByRole('alert').filter({ hasText: 'The server cannot be reached' }).waitFor();
    await screenshot(alice, `console-server-gone-${kind}`);
    await context.close();
  });
});
