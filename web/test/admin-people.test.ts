import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createChat } from '../../server/test/helpers/fixtures.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createAgent,
  createTestApp,
  createUser,
  describeEachStore,
  startWebServer,
  type TestApp,
  type WebServer,
  waitFor,
} from './helpers/server.ts';

/** The admin signed in as a person of the team (docs/people.md): admins get in, others are told why not. */

const shot = (page: Page, name: string) => screenshot(page, name, { fullPage: true });

async function signInAsPerson(page: Page, server: WebServer, app: TestApp, contact: string): Promise<void> {
  await page.goto(`${server.url}/admin/?appId=${app.id}`);
  await page.getByRole('textbox', { name: 'Email' }).fill(contact);
  await page.getByRole('textbox', { name: 'Password' }).fill('pw-123456');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describeEachStore('admin people', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  const contactOf = (role: string) => `${role}-${kind}@example.com`;
  let adminId: string;

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'People test');
    adminId = (
      await createAgent(server, app, { name: 'Ada Admin', contact: contactOf('admin'), role: 'admin' })
    ).id;
    // The others log in once (online); the admin is logged in by the fixture too, then set offline.
    await createAgent(server, app, { name: 'Pat Plain', contact: contactOf('agent') });
    await createAgent(server, app, {
      name: 'Sue Supervisor',
      contact: contactOf('supervisor'),
      role: 'supervisor',
    });
    await server.request('PUT', `/v1/agents/${adminId}`, { headers: app.asApp, body: { status: 'offline' } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('an admin person signs in with Email, Password and Sign in, manages the app with its token, and signs out', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    const calls: Array<{ url: string; token: string | undefined; secret: string | undefined }> = [];
    page.on('request', (request) => {
      if (!request.url().includes('/v1/')) return;
      const headers = request.headers();
      calls.push({ url: request.url(), token: headers['x-hyper-token'], secret: headers['x-hyper-secret'] });
    });
    await page.goto(`${server.url}/admin/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'Email' }).waitFor();
    await shot(page, `signin-form-${kind}`);
    await signInAsPerson(page, server, app, contactOf('admin'));
    for (const tab of ['Settings', 'Agents', 'Webhooks', 'Live'])
      await page.getByRole('tab', { name: tab }).waitFor();
    await page.getByText('Signed in as Ada Admin').waitFor();
    await page.getByRole('textbox', { name: 'Domains' }).waitFor();
    await shot(page, `admin-person-settings-${kind}`);
    await page.getByRole('tab', { name: 'Agents' }).click();
    await page.getByRole('cell', { name: 'Sue Supervisor', exact: true }).waitFor();
    // A new supervisor, created with the person's token.
    const form = page.getByRole('form', { name: 'New agent' });
    await form.getByRole('textbox', { name: 'Name' }).fill('Zoe New');
    await form.getByRole('textbox', { name: 'Email' }).fill(`zoe-${kind}@example.com`);
    await form.getByRole('textbox', { name: 'Password' }).fill('pw-123456');
    await form.getByRole('combobox', { name: 'Role' }).selectOption('supervisor');
    await form.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('row').filter({ hasText: 'Zoe New' }).filter({ hasText: 'Supervisor' }).waitFor();
    const users = await server.request('GET', '/v1/users?role=supervisor', { headers: app.asApp });
    assert.deepEqual(users.body.users.map((u: { name: string }) => u.name).sort(), [
      'Sue Supervisor',
      'Zoe New',
    ]);
    await shot(page, `admin-person-agents-${kind}`);
    // Every call after the login carried the person's token, never a secret.
    const afterLogin = calls.filter((c) => !c.url.includes('/agents/login'));
    assert.ok(afterLogin.length >= 3, JSON.stringify(calls));
    assert.ok(
      afterLogin.every((c) => c.token !== undefined && c.secret === undefined),
      JSON.stringify(calls),
    );
    // Signing in to manage did not make the admin available for chats.
    const me = await server.request('GET', `/v1/agents/${adminId}`, { headers: app.asApp });
    assert.equal(me.body.agent.status, 'offline');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('textbox', { name: 'Email' }).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Settings' }).count(), 0);
    // The admin was offline, so its session is ended on the server too (POST /agents/logout, its token).
    await waitFor(
      async () => calls.some((c) => c.url.endsWith('/v1/agents/logout') && c.token),
      5000,
      'the logout',
    );
    await context.close();
  });

  test('a plain agent and a supervisor are refused with a message saying why; the secret form still works', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    await signInAsPerson(page, server, app, contactOf('agent'));
    const refusal = page.getByRole('alert').filter({ hasText: 'not an admin' });
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /Pat Plain is an agent, not an admin/);
    await shot(page, `refused-agent-${kind}`);
    assert.equal(await page.getByRole('tab', { name: 'Settings' }).count(), 0);

    await page.getByRole('textbox', { name: 'Email' }).fill(contactOf('supervisor'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Sue Supervisor is a supervisor, not an admin' })
      .waitFor();

    await page.getByRole('textbox', { name: 'Password' }).fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong App ID, email or password.' }).waitFor();

    // The operators' way in: the app secret, with Email and Password left empty.
    await page.getByRole('textbox', { name: 'Email' }).fill('');
    await page.getByRole('textbox', { name: 'Password' }).fill('');
    await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: 'Settings' }).waitFor();
    assert.equal(await page.getByText('Signed in as').count(), 0);
    await context.close();
  });

  test('an admin working in the console sees the queue of its own rooms, not every room it could read', async () => {
    const queued = await createTestApp(server, 'Queue test');
    await server.request('PUT', '/v1/settings', {
      headers: queued.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
      },
    });
    const contact = `console-admin-${kind}@example.com`;
    await createAgent(server, queued, { name: 'Cora Admin', contact, rooms: [1], role: 'admin' });
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${server.url}/console/?appId=${queued.id}`);
    await page.getByRole('textbox', { name: 'Email' }).fill(contact);
    await page.getByRole('textbox', { name: 'Password' }).fill('pw-123456');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox', { name: 'Status' }).waitFor();
    // Room 2's chat first: the read that room 1's chat then causes finds both waiting.
    const otto = await createUser(server, queued, { name: 'Otto Sales' });
    await createChat(server, queued, otto, { room: 2 });
    const rita = await createUser(server, queued, { name: 'Rita General' });
    await createChat(server, queued, rita, { room: 1 });
    const queue = page.getByRole('list', { name: 'Queue' });
    await queue.getByRole('listitem').filter({ hasText: 'Rita General' }).waitFor();
    assert.equal(await queue.getByRole('listitem').count(), 1);
    assert.equal(await queue.getByText('Otto Sales').count(), 0);
    await context.close();
  });
});
