import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
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

/** The admin's Audit tab, the Agents tab's deactivate / reactivate / delete, and the secret's rotation. */

const shot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });

async function signInWithSecret(page: Page, server: WebServer, app: TestApp): Promise<void> {
  await page.goto(`${server.url}/admin/?appId=${app.id}`);
  await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Audit' }).waitFor();
}

describeEachStore('admin audit and people', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Audit test');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the Audit tab lists entries newest first, filters them, pages with Load more, and words the changes', async () => {
    // 55 settings changes, a new agent, a failed and a good sign-in.
    for (let i = 0; i < 55; i++)
      await server.request('PUT', '/v1/settings', {
        headers: app.asApp,
        body: { assign: { timeout: 20 + i } },
      });
    await createAgent(server, app, {
      name: 'Dora',
      contact: `dora-${kind}@example.com`,
      password: 'dora-pass-1',
    });
    const failed = await server.request('POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact: `dora-${kind}@example.com`, password: 'not-her-password' },
    });
    assert.equal(failed.status, 401);
    const page = await (await browser.context()).newPage();
    await signInWithSecret(page, server, app);
    const tabs = await page.getByRole('tab').allTextContents();
    assert.deepEqual(tabs, [
      'Settings',
      'Agents',
      'Webhooks',
      'Live',
      'Reports',
      'Surveys',
      'Hours',
      'Canned responses',
      'Audit',
    ]);
    await page.getByRole('tab', { name: 'Audit' }).click();
    const table = page.getByRole('table', { name: 'Audit log' });
    const rows = table.getByRole('row');
    // Newest first: the failed sign-in, then Dora's sign-in and creation.
    await rows.nth(1).filter({ hasText: 'Sign-in failed' }).waitFor();
    await rows.nth(2).filter({ hasText: 'Signed in' }).waitFor();
    await table
      .getByRole('row')
      .filter({ hasText: 'Agent created' })
      .getByText('password: set (hidden)')
      .waitFor();
    await table
      .getByRole('row')
      .filter({ hasText: 'Settings changed' })
      .first()
      .getByText('assign.timeout: 73 → 74')
      .waitFor();
    assert.equal(await rows.count(), 51, 'a header and the first 50 entries');
    await shot(page, `admin-audit-${kind}`);
    await page.getByRole('button', { name: 'Load more' }).click();
    await waitFor(async () => (await rows.count()) === 1 + 55 + 3 + 1, 10_000, 'every entry after Load more');
    assert.equal(await page.getByRole('button', { name: 'Load more' }).count(), 0);
    // Filters: one action, one actor kind, a date range with nothing in it.
    await page.getByRole('combobox', { name: 'Action' }).selectOption('agents.sign_in_failed');
    await waitFor(async () => (await rows.count()) === 2, 10_000, 'only the failed sign-in');
    await rows.nth(1).getByText('127.0.0.1').waitFor();
    await shot(page, `admin-audit-filtered-${kind}`);
    await page.getByRole('combobox', { name: 'Action' }).selectOption('');
    await page.getByRole('combobox', { name: 'Actor' }).selectOption('agent');
    await waitFor(async () => (await rows.count()) === 3, 10_000, 'the two entries of agents');
    await page.getByLabel('To', { exact: true }).fill('2020-01-01');
    await page.getByRole('status').filter({ hasText: 'No entries match these filters.' }).waitFor();
    await page.close();
  });

  test('deactivating an agent signs its console out; reactivate; delete after a confirmation', async () => {
    const contact = `eve-${kind}@example.com`;
    const eve = await createAgent(server, app, { name: 'Eve', contact, password: 'eve-pass-123' });
    const context = await browser.context();
    const consolePage = await context.newPage();
    await consolePage.goto(`${server.url}/console/?appId=${app.id}`);
    await consolePage.getByRole('textbox', { name: 'Email' }).fill(contact);
    await consolePage.getByRole('textbox', { name: 'Password' }).fill('eve-pass-123');
    await consolePage.getByRole('button', { name: 'Sign in' }).click();
    await consolePage.getByRole('combobox', { name: 'Status' }).waitFor();

    const admin = await (await browser.context()).newPage();
    await signInWithSecret(admin, server, app);
    await admin.getByRole('tab', { name: 'Agents' }).click();
    await admin.getByRole('button', { name: 'Deactivate Eve' }).click();
    await admin.getByRole('row').filter({ hasText: 'Eve' }).getByText('inactive').waitFor();
    await admin.getByRole('status').filter({ hasText: 'Eve is deactivated' }).waitFor();
    // The console's session ended at once: back to the sign-in form.
    await consolePage.getByText('Your session has expired. Sign in again.').waitFor({ timeout: 5000 });
    await shot(admin, `admin-agent-deactivated-${kind}`);
    const agent = await server.request('GET', `/v1/agents/${eve.id}`, { headers: app.asApp });
    assert.equal(agent.body.agent.active, false);

    await admin.getByRole('button', { name: 'Reactivate Eve' }).click();
    await admin.getByRole('button', { name: 'Deactivate Eve' }).waitFor();
    const login = await server.request('POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact, password: 'eve-pass-123' },
    });
    assert.equal(login.status, 200, 'a reactivated agent signs in again');

    // Delete: a dialog asks first; Cancel keeps the agent, Delete agent deletes it.
    await admin.getByRole('button', { name: 'Delete Eve' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Delete Eve?' });
    await dialog.waitFor();
    await shot(admin, `admin-agent-delete-dialog-${kind}`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(
      (await server.request('GET', `/v1/agents/${eve.id}`, { headers: app.asApp })).body.agent.name,
      'Eve',
    );
    await admin.getByRole('button', { name: 'Delete Eve' }).click();
    await admin
      .getByRole('dialog', { name: 'Delete Eve?' })
      .getByRole('button', { name: 'Delete agent' })
      .click();
    await admin.getByRole('status').filter({ hasText: 'Eve was deleted.' }).waitFor();
    const deleted = await server.request('GET', `/v1/agents/${eve.id}`, { headers: app.asApp });
    assert.equal(deleted.body.agent.name, 'Deleted agent');
    assert.equal(deleted.body.agent.active, false);
    await context.close();
    await admin.close();
  });

  test('rotating the app secret shows the new one once, with a copy button; the page goes on with it', async () => {
    const context = await browser.context();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    await signInWithSecret(page, server, app);
    await page.getByRole('textbox', { name: 'Grace period (seconds)' }).fill('600');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const shown = page.getByRole('status', { name: 'New app secret' });
    await shown.waitFor();
    const secret = (await shown.locator('code').textContent())?.trim() ?? '';
    assert.match(secret, /^sk_/);
    assert.notEqual(secret, app.secret);
    await shown.getByText('update every server').waitFor();
    await shown.getByRole('button', { name: 'Copy' }).click();
    await shown.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await shot(page, `admin-secret-rotated-${kind}`);
    // The new secret opens the app; the old one too, for its grace.
    for (const s of [secret, app.secret]) {
      const res = await server.request('GET', '/v1/settings', {
        headers: { 'x-hyper-appid': app.id, 'x-hyper-secret': s },
      });
      assert.equal(res.status, 200);
    }
    // The page carries on with the new secret: the Audit tab shows the rotation.
    await page.getByRole('tab', { name: 'Audit' }).click();
    await page
      .getByRole('table', { name: 'Audit log' })
      .getByRole('row')
      .nth(1)
      .filter({ hasText: 'App secret rotated' })
      .waitFor();
    await page.getByText('graceSeconds: 600').waitFor();
    await page.close();
  });
});
