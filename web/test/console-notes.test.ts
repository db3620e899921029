import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Message } from '../src/lib/sdk.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createAgent,
  createTestApp,
  describeEachStore,
  startWebServer,
  type TestApp,
  type WebServer,
} from './helpers/server.ts';
import { Visitor } from './helpers/visitor.ts';

const PASSWORD = 'correct horse 42';

/**
 * Internal notes in the console (docs/security.md): the "Internal note" checkbox beside the composer
 * sends a note, the log marks it "Internal note" and styles it apart, and the visitor hears nothing
 * of it — not the note, not typing while it is written, not a read receipt about it.
 */
describeEachStore('console: internal notes', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  const contact = `nora-${kind}@example.com`;

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Notes console');
    await createAgent(server, app, { name: 'Nora', contact, password: PASSWORD, maxChats: 2 });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(): Promise<Page> {
    const page = await (await browser.context()).newPage();
    await page.goto(`${server.url}/console/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(contact);
    await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox', { name: 'Status' }).waitFor();
    return page;
  }

  test('a note sent with "Internal note" checked reaches the log marked, and never the visitor', async () => {
    const nora = await signIn();
    const visitor = await Visitor.arrive(server.url, app.id, app.domainKey, 'Vic');
    try {
      await noteAndReply(nora, visitor);
    } finally {
      visitor.close();
    }
  });

  async function noteAndReply(nora: Page, visitor: Visitor): Promise<void> {
    const chat = await visitor.openChat();
    const invitation = nora.getByRole('dialog', { name: 'Invitation' });
    await invitation.waitFor();
    await nora.keyboard.press('Alt+A');
    await visitor.until('chats:join');
    await visitor.say('Can I get a refund?');
    const log = nora.getByRole('log');
    await log.getByRole('listitem').filter({ hasText: 'Can I get a refund?' }).waitFor();

    // The checkbox, found by its accessible name, next to the composer.
    const toggle = nora.getByRole('checkbox', { name: 'Internal note' });
    assert.equal(await toggle.isChecked(), false);
    const beforeNote = visitor.heard.length;
    await toggle.check();
    const composer = nora.getByRole('textbox', { name: 'Message' });
    assert.match((await composer.getAttribute('placeholder')) ?? '', /only agents see it/);
    await composer.pressSequentially('Customer had two refunds already');
    await screenshot(nora.locator('.console__composer'), `console-note-composer-${kind}`);
    await nora.getByRole('button', { name: 'Send' }).click();
    const note = log.getByRole('listitem').filter({ hasText: 'Customer had two refunds already' });
    await note.getByText('Internal note').waitFor();
    assert.match((await note.getAttribute('class')) ?? '', /console__message--note/);
    // Nothing of the note's writing reached the visitor: its own next message comes after anything
    // the agent's typing would have sent (one chat's events arrive in order).
    const ping = await visitor.say('ping');
    await visitor.until('messages:new', (d) => (d.message as Message).id === ping.id);
    const whileNoting = visitor.heard.slice(beforeNote);
    assert.deepEqual(
      whileNoting.filter((h) => h.event === 'users:activity').map((h) => h.data.type),
      [],
      'no typing indicator while the note was written',
    );
    // Styled apart from a reply: another background than the agent's own bubble.
    const noteBackground = await note
      .locator('.sb-bubble')
      .evaluate((el) => getComputedStyle(el).backgroundColor);

    // Unchecked again: a reply, which the visitor does hear.
    await toggle.uncheck();
    await composer.fill('Let me look into it');
    await nora.getByRole('button', { name: 'Send' }).click();
    const reply = log.getByRole('listitem').filter({ hasText: 'Let me look into it' });
    await reply.waitFor();
    assert.equal(await reply.getByText('Internal note').count(), 0);
    const replyBackground = await reply
      .locator('.sb-bubble')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(noteBackground, replyBackground);
    await visitor.until('messages:new', (d) => (d.message as Message).message === 'Let me look into it');

    // The note is stored as one (the agent's own read shows it with its visibility)…
    const asAgent = await server.request('GET', `/v1/chats/${chat.id}/messages`, { headers: app.asApp });
    const stored = (asAgent.body.messages as Message[]).find(
      (m) => m.message === 'Customer had two refunds already',
    );
    assert.equal(stored?.visibility, 'agents');
    // …and the visitor never heard it, nor typing while it was written, nor can read it back.
    const heard = JSON.stringify(visitor.heard);
    assert.doesNotMatch(heard, /two refunds/);
    assert.doesNotMatch(heard, new RegExp(stored!.id));
    const { messages } = await visitor.client.chats.messages(chat.id);
    assert.deepEqual(
      messages.map((m) => m.message),
      ['Can I get a refund?', 'ping', 'Let me look into it'],
    );

    await screenshot(nora, `console-note-${kind}`);
    await screenshot(note, `console-note-item-${kind}`);
  }
});
