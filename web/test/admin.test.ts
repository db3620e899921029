import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type Receiver, reply, startReceiver, withHandshake } from '../../server/test/helpers/receiver.ts';
import { WEBHOOK_ENV } from '../../server/test/helpers/webhooks.ts';
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

async function signInWithSecret(
  page: Page,
  server: WebServer,
  app: TestApp,
  secret = app.secret,
): Promise<void> {
  await page.goto(`${server.url}/admin/?appId=${app.id}`);
  await page.getByRole('textbox', { name: 'App secret' }).fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describeEachStore('admin', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  let receiver: Receiver;

  before(async () => {
    server = await startWebServer(kind, WEBHOOK_ENV);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Admin test');
    receiver = await startReceiver();
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.close();
  });

  test('admin key: a wrong key says so; the apps are listed; a new app shows its secret once and opens', async () => {
    const page = await (await browser.context()).newPage();
    await page.goto(`${server.url}/admin/`);
    await page.getByRole('radio', { name: 'Admin key' }).check();
    await page.getByRole('textbox', { name: 'Admin key' }).fill('adm_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong admin key.' }).waitFor();
    await page.getByRole('textbox', { name: 'Admin key' }).fill(server.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('cell', { name: app.id }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Created in the admin');
    await page.getByRole('textbox', { name: 'Domains' }).fill('shop.example.com');
    await page.getByRole('button', { name: 'Create app' }).click();
    const created = page.getByRole('status').filter({ hasText: 'shown only once' });
    await created.waitFor();
    const secret = (await created.locator('dd code').nth(1).textContent())!;
    assert.match(secret, /\S{16,}/);
    await screenshot(page, `admin-apps-${kind}`);
    await page.getByRole('button', { name: 'Manage this app' }).click();
    await page.getByRole('tab', { name: 'Settings' }).waitFor();
    await page.getByRole('textbox', { name: 'Domains' }).waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Domains' }).inputValue(), 'shop.example.com');
    await page.context().close();
  });

  test('app secret: a wrong secret says so; settings saved (and a bad value named, changing nothing); agents created and edited, password reset', async () => {
    const page = await (await browser.context()).newPage();
    await signInWithSecret(page, server, app, 'wrong-secret');
    await page.getByRole('alert').filter({ hasText: 'Wrong App ID or secret.' }).waitFor();
    await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Settings: a bad value is refused with the field named, and nothing changes.
    const timeout = page.getByRole('textbox', { name: 'Invitation timeout (seconds)' });
    await timeout.fill('soon');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /timeout/ })
      .waitFor();
    const unchanged = await server.request('GET', '/v1/settings', { headers: app.asApp });
    assert.equal(unchanged.body.settings.assign.timeout, 30);
    await timeout.fill('20');
    await page.getByRole('checkbox', { name: /Queue mode/ }).check();
    await page.getByRole('button', { name: 'Add room' }).click();
    await page.getByRole('textbox', { name: 'Room 2 name' }).fill('Billing');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    const saved = await server.request('GET', '/v1/settings', { headers: app.asApp });
    assert.equal(saved.body.settings.assign.timeout, 20);
    assert.equal(saved.body.settings.queue.active, true);
    assert.deepEqual(
      saved.body.settings.rooms.map((r: { id: number; name: string }) => [r.id, r.name]),
      [
        [1, 'General'],
        [2, 'Billing'],
      ],
    );
    await screenshot(page, `admin-settings-${kind}`);

    // Agents: create, then edit rooms and capacity and reset the password.
    await page.getByRole('tab', { name: 'Agents' }).click();
    const form = page.getByRole('form', { name: 'New agent' });
    await form.getByRole('textbox', { name: 'Name' }).fill('Carol');
    await form.getByRole('textbox', { name: 'Email' }).fill(`carol-${kind}@example.com`);
    await form.getByRole('textbox', { name: 'Password' }).fill('first password');
    await form.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('cell', { name: `carol-${kind}@example.com` }).waitFor();
    await page.getByRole('button', { name: 'Edit Carol' }).click();
    const edit = page.getByRole('form', { name: 'Edit Carol' });
    await edit.getByRole('textbox', { name: 'Rooms' }).fill('1, 2');
    await edit.getByRole('textbox', { name: 'Max chats' }).fill('5');
    await edit.getByRole('textbox', { name: 'New password' }).fill('second password');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Carol: saved, password reset.' }).waitFor();
    await page.getByRole('cell', { name: '1, 2' }).waitFor();
    const login = await server.request('POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact: `carol-${kind}@example.com`, password: 'second password' },
    });
    assert.equal(login.status, 200, login.text);
    assert.deepEqual(login.body.user.rooms, [1, 2]);
    assert.equal(login.body.user.maxChats, 5);
    await screenshot(page, `admin-agents-${kind}`);

    // Live: the queues and the agents online (Carol has just signed in).
    await page.getByRole('tab', { name: 'Live' }).click();
    await page.getByRole('list', { name: 'Agents online' }).getByText('Carol').waitFor();
    await page.getByRole('table', { name: 'Queues' }).getByRole('cell', { name: 'Billing' }).waitFor();
    await page.context().close();
  });

  test('webhooks: registered against a real receiver, deliveries with attempts and latency, one retried; pause and rotate', async () => {
    const page = await (await browser.context()).newPage();
    await signInWithSecret(page, server, app);
    await page.getByRole('tab', { name: 'Webhooks' }).click();

    // A receiver that refuses the handshake: registration fails with the server's reason.
    receiver.handler = (_request, response) => reply(response, 404, 'nope');
    const register = page.getByRole('form', { name: 'Register a webhook' });
    await register.getByRole('textbox', { name: 'Target URL' }).fill(`${receiver.url}/hooks`);
    await register.getByRole('button', { name: 'Register webhook' }).click();
    await register.getByRole('alert').waitFor();

    receiver.handler = withHandshake((_request, response) => reply(response, 200, '{"ok":true}'));
    await register.getByRole('button', { name: 'Register webhook' }).click();
    await page.getByRole('status').filter({ hasText: 'Webhook registered' }).waitFor();
    await page.getByText(`${receiver.url}/hooks`).waitFor();

    // Something happens in the app: a visitor writes.
    const visitor = await Visitor.arrive(server.url, app.id, app.domainKey, 'Hooked');
    await createAgent(server, app);
    await visitor.openChat();
    await visitor.say('ping');
    await waitFor(async () => receiver.deliveries().some((d) => d.json?.trigger === 'messages:new'), 15_000);

    await page.getByRole('button', { name: 'Deliveries' }).click();
    const log = page.getByRole('region', { name: 'Delivery log' });
    const row = log.getByRole('row').filter({ hasText: 'messages:new' });
    await row.getByText('delivered').waitFor();
    await row.getByRole('cell', { name: '200' }).waitFor();
    await row.getByRole('button', { name: 'Attempts' }).click();
    const attempts = log.getByRole('table', { name: 'Attempts' });
    await attempts.getByText(/\d+ ms/).waitFor();
    await attempts.getByText('{"ok":true}').waitFor();

    const before = receiver.deliveries().filter((d) => d.json?.trigger === 'messages:new');
    await row.getByRole('button', { name: 'Retry messages:new delivery' }).click();
    await log.getByRole('status').filter({ hasText: 'queued again' }).waitFor();
    await waitFor(
      async () =>
        receiver.deliveries().filter((d) => d.json?.trigger === 'messages:new').length > before.length,
      15_000,
      'the retried delivery',
    );
    const again = receiver
      .deliveries()
      .filter((d) => d.json?.trigger === 'messages:new')
      .at(-1)!;
    assert.equal(again.headers['webhook-id'], before[0]!.headers['webhook-id'], 'a retry is the same event');
    await screenshot(page, `admin-webhooks-${kind}`);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText('paused', { exact: true }).waitFor();
    const hooks = await server.request('GET', '/v1/webhooks', { headers: app.asApp });
    assert.equal(hooks.body.webhooks[0].active, false);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'old one keeps signing' })
      .getByText(/^whsec_/)
      .waitFor();
    visitor.close();
    await page.context().close();
  });
});
