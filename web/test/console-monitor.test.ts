import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Message } from '../src/lib/sdk.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createAgent,
  createTestApp,
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
 * The console's Monitor (docs/web.md, "Monitor"; docs/people.md, "Supervision"): a supervisor signs
 * in, sees the open chats of its rooms, watches one (the visitor's new message shows live), whispers
 * an internal note the visitor never gets, and intervenes: the agent leaves, the chat is the
 * supervisor's.
 */
describeEachStore('console: Monitor', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  let ada: Person;
  let sam: Person;
  const contact = `sam-${kind}@example.com`;

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Monitor console');
    // Chats wait for a join: routing would otherwise invite the supervisor too.
    await server.request('PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { onCreate: false } },
    });
    ada = await createAgent(server, app, { name: 'Ada' });
    sam = await createAgent(server, app, { name: 'Sam', contact, password: PASSWORD, role: 'supervisor' });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('Monitor lists the chat, Watch follows it live, a whisper is a note, Intervene takes it', async () => {
    const visitor = await Visitor.arrive(server.url, app.id, app.domainKey, 'Vic');
    try {
      const chat = await visitor.openChat();
      const joined = await server.request('POST', `/v1/chats/${chat.id}/join`, {
        headers: app.as(ada.token),
      });
      assert.equal(joined.status, 200, joined.text);
      await visitor.say('Hello there');

      const page = await (await browser.context()).newPage();
      await page.goto(`${server.url}/console/?appId=${app.id}`);
      await page.getByRole('textbox', { name: 'Email' }).fill(contact);
      await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('combobox', { name: 'Status' }).waitFor();

      await page.getByRole('link', { name: 'Monitor' }).click();
      const row = page.getByRole('listitem', { name: 'Chat with Vic' });
      await row.waitFor();
      await row.getByText('agent: Ada').waitFor();
      await row.getByText('Hello there').waitFor();
      await row.getByRole('button', { name: 'Watch' }).click();
      const watched = page.getByRole('region', { name: 'Watching Vic' });
      const log = watched.getByRole('log', { name: 'Messages' });
      await log.getByRole('listitem').filter({ hasText: 'Hello there' }).waitFor();
      await row.getByRole('button', { name: 'Stop watching' }).waitFor();
      // Watching is silent: the visitor still sees only itself and Ada.
      const seen = await visitor.client.chats.get(chat.id, { fields: 'watchers' });
      assert.deepEqual([...seen.chat.users].sort(), [visitor.user.id, ada.id].sort());
      assert.equal('watchers' in seen.chat, false);

      // Live: the visitor's new message appears in the watched transcript.
      await visitor.say('Where is my parcel?');
      await log.getByRole('listitem').filter({ hasText: 'Where is my parcel?' }).waitFor();

      // A whisper: an internal note Ada gets, the visitor never.
      await watched.getByRole('textbox', { name: 'Whisper' }).fill('Offer a voucher');
      await watched.getByRole('button', { name: 'Send note' }).click();
      const note = log.getByRole('listitem').filter({ hasText: 'Offer a voucher' });
      await note.getByText('Internal note').waitFor();
      const stored = await server.request('GET', `/v1/chats/${chat.id}/messages`, {
        headers: app.as(ada.token),
      });
      const whisper = (stored.body.messages as Message[]).find((m) => m.message === 'Offer a voucher');
      assert.equal(whisper?.visibility, 'agents');
      assert.equal(whisper?.sender, sam.id);
      await screenshot(page, `console-monitor-watching-${kind}`);

      // Stop and watch again: the buttons follow.
      await row.getByRole('button', { name: 'Stop watching' }).click();
      await row.getByRole('button', { name: 'Watch' }).click();
      await row.getByRole('button', { name: 'Stop watching' }).waitFor();

      // Intervene: Ada leaves, Sam joins, the chat opens among Sam's chats.
      await row.getByRole('button', { name: 'Intervene' }).click();
      await visitor.until('chats:intervened');
      const conversation = page.getByRole('region', { name: 'Chat with Vic' });
      await conversation.waitFor();
      await conversation
        .getByRole('log')
        .getByRole('listitem')
        .filter({ hasText: 'Where is my parcel?' })
        .waitFor();
      const after = await server.request('GET', `/v1/chats/${chat.id}`, { headers: app.asApp });
      assert.deepEqual([...after.body.chat.users].sort(), [visitor.user.id, sam.id].sort());
      await page.getByRole('textbox', { name: 'Message' }).fill('Hi Vic, I am taking over');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await visitor.until(
        'messages:new',
        (d) => (d.message as Message).message === 'Hi Vic, I am taking over',
      );
      await screenshot(page, `console-monitor-intervened-${kind}`);

      const heard = JSON.stringify(visitor.heard);
      assert.doesNotMatch(heard, /Offer a voucher/);
      await waitFor(async () => visitor.heard.some((h) => h.event === 'chats:leave'), 5000, 'Ada leaving');
    } finally {
      visitor.close();
    }
  });
});
