import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { Json } from '../../server/test/helpers/harness.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createAgent,
  createTestApp,
  createUser,
  describeEachStore,
  type Person,
  startWebServer,
  type TestApp,
  type WebServer,
  waitFor,
} from './helpers/server.ts';
import { Visitor } from './helpers/visitor.ts';

const PASSWORD = 'correct horse 42';

/**
 * Records what the page does with the real Notification API (each construction, each permission
 * request) and lets the test hide the tab: headless Chromium's tab is never hidden by itself.
 */
const OBSERVE_NOTIFICATIONS = () => {
  const w = window as unknown as Record<string, unknown>;
  const made: Array<{ title: string; body: string | undefined }> = [];
  w.__notifications = made;
  w.__asked = 0;
  const Real = window.Notification;
  class Observed extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      made.push({ title, body: options?.body });
    }
    static override requestPermission(): Promise<NotificationPermission> {
      w.__asked = (w.__asked as number) + 1;
      return Real.requestPermission();
    }
  }
  window.Notification = Observed;
  let hidden = false;
  w.__setHidden = (value: boolean) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true,
    get: () => (hidden ? 'hidden' : 'visible'),
  });
};

/**
 * The console's History view (docs/search.md, docs/web.md): the link "History", the searchbox
 * "Search chats", a past chat opened read-only with its notes and tags; transfer to a room; the
 * unread count in the title; desktop notifications through Chromium's Notification API.
 */
describeEachStore('console: history, rooms, notifications', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  const contact = `hana-${kind}@example.com`;
  let hana: Person;

  const call = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
    const res = await server.request(method, url, { headers, ...(body !== undefined ? { body } : {}) });
    assert.ok(res.status < 300, `${method} ${url} → ${res.status} ${res.text}`);
    return res.body as Json;
  };

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'History console');
    await call('PUT', '/v1/settings', app.asApp, {
      rooms: [
        { id: 1, name: 'General' },
        { id: 2, name: 'Sales' },
      ],
      surveys: [{ id: 'csat', name: 'CSAT', questions: [{ id: 'score', type: 'rating', text: 'Rate us' }] }],
    });
    hana = await createAgent(server, app, {
      name: 'Hana',
      contact,
      password: PASSWORD,
      rooms: [1],
      maxChats: 5,
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.url}/console/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(contact);
    await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox', { name: 'Status' }).waitFor();
    return page;
  }

  /** A closed chat of `name` that Hana served, with these lines (`note:` marks an internal note). */
  async function pastChat(
    name: string,
    lines: string[],
    tags: string[] = [],
    rating?: number,
  ): Promise<string> {
    const user = await createUser(server, app, { name });
    const { chat } = await call('POST', '/v1/chats', app.as(user.token), { room: 1 });
    await call('POST', `/v1/chats/${chat.id}/join`, app.as(hana.token), {});
    for (const line of lines) {
      const note = line.startsWith('note:');
      await call(
        'POST',
        `/v1/chats/${chat.id}/messages`,
        note || line.startsWith('agent:') ? app.as(hana.token) : app.as(user.token),
        { message: line.replace(/^(note|agent):/, ''), ...(note ? { visibility: 'agents' } : {}) },
      );
    }
    if (tags.length > 0) await call('PUT', `/v1/chats/${chat.id}`, app.asApp, { tags });
    await call('DELETE', `/v1/chats/${chat.id}`, app.asApp, {});
    if (rating !== undefined)
      await call('POST', '/v1/surveys/csat/submit', app.as(user.token), {
        sourceType: 'chat',
        sourceId: chat.id,
        answers: [{ questionId: 'score', value: rating }],
      });
    return chat.id;
  }

  test('History searches past chats and opens one read-only with its notes and tags', async () => {
    await pastChat(
      'Pat',
      ['My parcel never arrived', 'note:Carrier lost it, refund approved', 'agent:We will refund you'],
      ['shipping', 'refund'],
      4,
    );
    await pastChat('Quinn', ['A question about invoices']);
    const page = await signIn(await browser.context());

    await page.getByRole('link', { name: 'History' }).click();
    const search = page.getByRole('searchbox', { name: 'Search chats' });
    await search.waitFor();
    const results = page.getByRole('list', { name: 'Results' }).getByRole('button');
    await waitFor(async () => (await results.count()) === 2, 10_000, 'both past chats listed');

    // Words in any order, the last one a prefix.
    await search.fill('refund parc');
    await waitFor(async () => (await results.count()) === 1, 10_000, 'one chat matches');
    await results.first().getByText('Tags: shipping, refund').waitFor();
    await results.first().getByText('Pat').waitFor();
    await results.first().click();

    const past = page.getByRole('region', { name: 'Past chat with Pat' });
    await past.getByText('My parcel never arrived').waitFor();
    const transcript = past.getByRole('log', { name: 'Transcript' });
    const note = transcript.getByRole('listitem').filter({ hasText: 'Carrier lost it' });
    await note.getByText('Internal note').waitFor();
    await transcript.getByText('We will refund you').waitFor();
    await past.getByText('Tags: shipping, refund').waitFor();
    await past.getByText('Rating: 4 of 5').waitFor();
    await past.getByText('This chat is closed').waitFor();
    assert.equal(
      await page.getByRole('textbox', { name: 'Message' }).count(),
      0,
      'no composer for a closed chat',
    );
    await screenshot(page, `console-history-${kind}`);

    // A word only in a note still finds the chat for the agent; nothing matches "banana".
    await search.fill('carrier');
    await waitFor(async () => (await results.count()) === 1, 10_000, 'the note finds its chat');
    await search.fill('banana');
    await page.getByText('No past chat matches.').waitFor();

    // Back to the live chats.
    await page.getByRole('link', { name: 'Chats' }).click();
    await page.getByRole('heading', { name: 'My chats' }).waitFor();
  });

  test('transfer to a room, the unread count in the title, desktop notifications while hidden', async () => {
    const context = await browser.context();
    await context.grantPermissions(['notifications'], { origin: server.url });
    await context.addInitScript(OBSERVE_NOTIFICATIONS);
    const page = await signIn(context);
    const made = () =>
      page.evaluate(
        () =>
          (window as unknown as { __notifications: Array<{ title: string; body?: string }> }).__notifications,
      );
    const setHidden = (hidden: boolean) =>
      page.evaluate(
        (h) => (window as unknown as { __setHidden: (v: boolean) => void }).__setHidden(h),
        hidden,
      );
    // Granted already: nothing to ask.
    assert.equal(await page.getByRole('button', { name: 'Enable notifications' }).count(), 0);

    // Tab hidden: an invitation becomes a desktop notification.
    await setHidden(true);
    const xena = await Visitor.arrive(server.url, app.id, app.domainKey, 'Xena');
    const yuri = await Visitor.arrive(server.url, app.id, app.domainKey, 'Yuri');
    try {
      const chatX = await xena.openChat({ room: 1 });
      await waitFor(
        async () =>
          (await made()).some((n) => n.title === 'New chat' && n.body === 'Xena is waiting for you.'),
        10_000,
        'the invitation notification',
      );
      await setHidden(false);
      const invitation = page.getByRole('dialog', { name: 'Invitation' });
      await invitation.getByRole('button', { name: 'Accept' }).click();
      await invitation.waitFor({ state: 'detached' });
      await yuri.openChat({ room: 1 });
      await invitation.getByText('Yuri').waitFor();
      await invitation.getByRole('button', { name: 'Accept' }).click();
      await page.getByRole('region', { name: 'Chat with Yuri' }).waitFor();

      // Xena writes while Yuri's chat is open: the title counts what is unread.
      await xena.say('Hello?');
      await xena.say('Anyone there?');
      await waitFor(async () => /^\(2\) /.test(await page.title()), 10_000, 'title (2)');
      assert.equal(await page.title(), '(2) Switchboard — Agent console');
      await screenshot(page, `console-unread-title-${kind}`);
      // And while the tab is hidden, each message also shows on the desktop.
      const before = (await made()).length;
      await setHidden(true);
      await xena.say('I need to talk to sales');
      await waitFor(
        async () => (await made()).some((n) => n.title === 'Xena' && n.body === 'I need to talk to sales'),
        10_000,
        'the message notification',
      );
      assert.equal((await made()).length, before + 1);
      await setHidden(false);

      // Transfer Xena's chat to the Sales room: it leaves Hana's list and waits in Sales.
      await page.getByRole('button', { name: /^Xena/ }).click();
      await page.getByRole('region', { name: 'Chat with Xena' }).waitFor();
      assert.equal(await page.title(), 'Switchboard — Agent console');
      await page.getByRole('button', { name: 'Transfer', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Transfer chat' });
      await dialog.getByRole('heading', { name: 'Transfer to a room' }).waitFor();
      assert.equal(await dialog.getByRole('button', { name: 'Transfer to room General' }).count(), 0);
      await screenshot(page, `console-transfer-room-${kind}`);
      await dialog.getByRole('button', { name: 'Transfer to room Sales' }).click();
      await page.getByRole('region', { name: 'Chat with Xena' }).waitFor({ state: 'detached' });
      const { chat } = await call('GET', `/v1/chats/${chatX.id}`, app.asApp);
      assert.equal(chat.room, 2);
      assert.equal(chat.status, 'waiting');
      assert.ok(!chat.users.includes(hana.id));
    } finally {
      xena.close();
      yuri.close();
    }
  });

  test('the console asks for the permission once, on a click, never on load', async () => {
    const context = await browser.context();
    await context.addInitScript(OBSERVE_NOTIFICATIONS);
    const page = await signIn(context);
    const asked = () => page.evaluate(() => (window as unknown as { __asked: number }).__asked);
    const button = page.getByRole('button', { name: 'Enable notifications' });
    await button.waitFor();
    assert.equal(await asked(), 0);
    await button.click();
    await button.waitFor({ state: 'detached' });
    assert.equal(await asked(), 1);
    await page.reload();
    await page.getByRole('combobox', { name: 'Status' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Enable notifications' }).count(), 0);
    assert.equal(await asked(), 0);
  });
});
