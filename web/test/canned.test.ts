import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Json } from '../../server/test/helpers/harness.ts';
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
const shot = (page: Page, name: string) => screenshot(page, name);

describeEachStore('canned responses and tags', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  const contact = `alice-canned-${kind}@example.com`;
  let aliceId = '';

  const api = async (method: string, url: string, body?: Json): Promise<Json> => {
    const res = await server.request(method, url, { headers: app.asApp, ...(body ? { body } : {}) });
    assert.ok(res.status < 300, `${method} ${url} → ${res.status} ${res.text}`);
    return res.body as Json;
  };

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Canned test');
    await api('PUT', '/v1/settings', {
      assign: { onCreate: false },
      tags: { allowed: ['billing', 'vip', 'refund'], requiredOnClose: true },
    });
    aliceId = (await createAgent(server, app, { name: 'Alice Smith', contact, password: PASSWORD })).id;
    await api('PUT', `/v1/agents/${aliceId}`, { nickname: 'Ali' });
    for (const [shortcut, title, text] of [
      [
        'greetings',
        'Greeting',
        'Hello {{visitor.name}}, I am {{agent.nickname}} ({{agent.name}}). How can I help?',
      ],
      ['goodbye', 'Goodbye', 'Thanks for writing, {{visitor.name}}. Bye!'],
      ['refund', 'Refund policy', 'Refunds take 5 working days.'],
    ])
      await api('POST', '/v1/canned', { shortcut, title, text });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('console: "/" opens the picker, typing filters, arrows and Enter insert the text filled in; Escape closes; the button opens it; tags are set, refused outside the allowed list, and required to close', async () => {
    const page = await (await browser.context()).newPage();
    await page.goto(`${server.url}/console/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(contact);
    await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox', { name: 'Status' }).waitFor();

    const visitor = await Visitor.arrive(server.url, app.id, app.domainKey, 'Vera');
    const chat = await visitor.openChat();
    await api('POST', `/v1/chats/${chat.id}/join`, { userId: aliceId });
    const message = page.getByRole('textbox', { name: 'Message' });
    await message.waitFor();

    // "/gre": the list holds greetings alone, its option active.
    await message.click();
    await page.keyboard.type('/gre');
    const listbox = page.getByRole('listbox', { name: 'Canned responses' });
    await listbox.waitFor();
    const options = listbox.getByRole('option');
    assert.equal(await options.count(), 1);
    await options.first().getByText('/greetings').waitFor();
    const active = await message.getAttribute('aria-activedescendant');
    assert.equal(active, await options.first().getAttribute('id'));
    assert.equal(await options.first().getAttribute('aria-selected'), 'true');
    assert.equal(await message.getAttribute('aria-controls'), await listbox.getAttribute('id'));
    await shot(page, `console-canned-picker-${kind}`);

    // "/" alone lists all three; arrows move the active option (and wrap).
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await waitFor(async () => (await options.count()) === 3 || undefined, 5000, 'all three listed');
    const ids = await options.evaluateAll((els) => els.map((el) => el.id));
    await page.keyboard.press('ArrowDown');
    assert.equal(await message.getAttribute('aria-activedescendant'), ids[1]);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await message.getAttribute('aria-activedescendant'), ids[2]);
    // Escape closes the list and keeps the text.
    await page.keyboard.press('Escape');
    await listbox.waitFor({ state: 'detached' });
    assert.equal(await message.inputValue(), '/');
    assert.equal(await message.getAttribute('aria-activedescendant'), null);

    // Typing on after a new "/" opens it again; Enter inserts greetings filled in, and does not send.
    await message.fill('');
    await page.keyboard.type('/gre');
    await listbox.waitFor();
    await page.keyboard.press('Enter');
    await listbox.waitFor({ state: 'detached' });
    const greeting = 'Hello Vera, I am Ali (Alice Smith). How can I help?';
    assert.equal(await message.inputValue(), greeting);
    assert.equal(visitor.texts().length, 0);
    // The second Enter sends it.
    await page.keyboard.press('Enter');
    await visitor.until('messages:new', (d) => (d.message as Json).message === greeting);

    // The button types the "/" for the agent: then "bye" and Enter.
    await page.keyboard.type('See you');
    const button = page.getByRole('button', { name: 'Canned responses' });
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    await button.click();
    await listbox.waitFor();
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    assert.equal(await options.count(), 3);
    await page.keyboard.type('bye');
    assert.equal(await options.count(), 1);
    await page.keyboard.press('Enter');
    assert.equal(await message.inputValue(), 'See you Thanks for writing, Vera. Bye!');
    await message.fill('');

    // Tags: closing untagged is refused with the server's reason, and nothing closes.
    await page.getByRole('button', { name: 'Close chat' }).click();
    await page.getByRole('alert').filter({ hasText: 'Add at least one tag' }).waitFor();
    assert.equal((await api('GET', `/v1/chats/${chat.id}`)).chat.status, 'active');
    const tags = page.getByRole('combobox', { name: 'Tags' });
    await tags.fill('billing, spam');
    await tags.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'spam' }).waitFor();
    assert.deepEqual((await api('GET', `/v1/chats/${chat.id}`)).chat.tags, []);
    await tags.fill('billing, vip');
    await tags.press('Enter');
    await waitFor(
      async () => ((await api('GET', `/v1/chats/${chat.id}`)).chat.tags.length === 2 ? true : undefined),
      5000,
      'tags saved',
    );
    assert.deepEqual((await api('GET', `/v1/chats/${chat.id}`)).chat.tags, ['billing', 'vip']);
    const tagged = await api('GET', '/v1/chats?tag=vip');
    assert.deepEqual(
      tagged.chats.map((c: Json) => c.id),
      [chat.id],
    );
    await shot(page, `console-tags-${kind}`);
    await page.getByRole('button', { name: 'Close chat' }).click();
    await page.getByText('This chat is closed.').waitFor();
    assert.equal((await api('GET', `/v1/chats/${chat.id}`)).chat.status, 'closed');
    visitor.close();
    await page.context().close();
  });

  test('admin: the tab "Canned responses" lists, creates, edits and deletes shared ones; the tags settings are saved', async () => {
    const page = await (await browser.context()).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${server.url}/admin/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Settings: the tags.
    const allowed = page.getByRole('textbox', { name: 'Allowed tags' });
    await allowed.waitFor();
    assert.equal(await allowed.inputValue(), 'billing, vip, refund');
    await allowed.fill('');
    await page.getByRole('checkbox', { name: 'Require a tag to close a chat' }).uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    assert.deepEqual((await api('GET', '/v1/settings')).settings.tags, {
      allowed: null,
      requiredOnClose: false,
    });

    await page.getByRole('tab', { name: 'Canned responses' }).click();
    const list = page.getByRole('list', { name: 'Shared canned responses' });
    await list.getByText('/greetings').waitFor();
    assert.equal(await list.getByRole('listitem').count(), 3);

    // Create one for a room; a bad shortcut is refused as the server words it.
    const form = page.getByRole('form', { name: 'New canned response' });
    await form.getByRole('textbox', { name: 'Shortcut' }).fill('Thanks!');
    await form.getByRole('textbox', { name: 'Title' }).fill('Thanks');
    await form.getByRole('textbox', { name: 'Text' }).fill('Thank you, {{visitor.name}}!');
    await form.getByRole('checkbox', { name: 'General' }).check();
    await form.getByRole('button', { name: 'Create' }).click();
    await form.getByRole('alert').filter({ hasText: 'shortcut' }).waitFor();
    await form.getByRole('textbox', { name: 'Shortcut' }).fill('thanks');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('status').filter({ hasText: 'Created /thanks.' }).waitFor();
    const thanks = async () =>
      ((await api('GET', '/v1/canned')).canned as Json[]).filter((c) => c.shortcut === 'thanks');
    let canned = await thanks();
    assert.equal(canned.length, 1);
    assert.equal(canned[0]!.ownerId, null);
    assert.deepEqual(canned[0]!.rooms, [1]);
    await shot(page, `admin-canned-${kind}`);

    // Edit it.
    await page.getByRole('button', { name: 'Edit /thanks' }).click();
    const edit = page.getByRole('form', { name: 'Edit /thanks' });
    await edit.getByRole('textbox', { name: 'Title' }).fill('Thank you');
    await edit.getByRole('checkbox', { name: 'General' }).uncheck();
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved /thanks.' }).waitFor();
    canned = await thanks();
    assert.equal(canned[0]!.title, 'Thank you');
    assert.equal(canned[0]!.rooms, undefined);

    // Delete it.
    await page.getByRole('button', { name: 'Delete /thanks' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted /thanks.' }).waitFor();
    assert.deepEqual(await thanks(), []);
    assert.equal(await list.getByRole('listitem').count(), 3);
    await page.context().close();
  });
});
