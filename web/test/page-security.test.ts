import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from './helpers/browser.ts';
import { describeEachStore, startWebServer, type WebServer } from './helpers/server.ts';
import { demoAgent, demoApp, startChat, widget } from './helpers/widget.ts';

/**
 * The pages work under their Content-Security-Policy (docs/security.md, Headers): the console, the
 * admin, the demo page with the widget and /docs are used in Chromium, and the browser reports no
 * violation of the policy, no console error and no failed script.
 */

/** Records what the browser reports on a context's pages: CSP violations, console errors, page errors. */
async function watch(context: BrowserContext): Promise<string[]> {
  const problems: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  context.on('page', (page) => track(page, problems));
  return problems;
}

function track(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    // A failed load is reported below with its URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    // Browsers ask for /favicon.ico by themselves (the demo page names no icon).
    if (response.status() >= 400 && new URL(response.url()).pathname !== '/favicon.ico')
      problems.push(`${response.status()} ${response.url()}`);
  });
}

/** Opens a page and checks it was served under a policy (else the test would prove nothing). */
async function openUnderPolicy(page: Page, url: string): Promise<void> {
  const response = await page.goto(url);
  assert.equal(response?.status(), 200, url);
  const csp = (await response!.allHeaders())['content-security-policy'] ?? '';
  assert.match(csp, /frame-ancestors 'none'/, `${url}: ${csp}`);
  assert.match(csp, /script-src 'self'/, `${url}: ${csp}`);
}

describeEachStore('pages under their Content-Security-Policy', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the console and the demo page with its widget: a whole chat, no violation', async () => {
    const agent = demoAgent(server);
    const agentContext = await browser.context();
    const agentProblems = await watch(agentContext);
    const console_ = await agentContext.newPage();
    await openUnderPolicy(console_, `${server.url}/console/`);
    await console_.getByRole('textbox', { name: 'Email' }).fill(agent.contact);
    await console_.getByRole('textbox', { name: 'Password' }).fill(agent.password);
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await console_.getByRole('combobox', { name: 'Status' }).waitFor();

    const visitorContext = await browser.context();
    const visitorProblems = await watch(visitorContext);
    const page = await visitorContext.newPage();
    await openUnderPolicy(page, `${server.url}/demo/`);
    // The demo's inline script ran (allowed by its hash): it wrote the snippet with the app's id.
    await page
      .locator('#snippet')
      .filter({ hasText: demoApp(server).id })
      .waitFor();
    const w = widget(page);
    await startChat(page, 'Policy Visitor', 'policy@example.com');
    await w.message.fill('Hello under a CSP');
    await w.send.click();
    const invitation = console_
      .getByRole('alert', { name: 'Invitation' })
      .or(console_.getByRole('dialog', { name: 'Invitation' }));
    await invitation.getByRole('button', { name: 'Accept' }).click();
    await console_.getByRole('log').getByRole('listitem').filter({ hasText: 'Hello under a CSP' }).waitFor();
    await console_.getByRole('textbox', { name: 'Message' }).fill('Hi, policy holds.');
    await console_.getByRole('button', { name: 'Send', exact: true }).click();
    await w.items.filter({ hasText: 'Hi, policy holds.' }).waitFor();
    assert.deepEqual(agentProblems, []);
    assert.deepEqual(visitorProblems, []);
    await agentContext.close();
    await visitorContext.close();
  });

  test('the admin: signed in with the secret, every tab opened, no violation', async () => {
    const app = demoApp(server);
    const context = await browser.context();
    const problems = await watch(context);
    const page = await context.newPage();
    await openUnderPolicy(page, `${server.url}/admin/?appId=${app.id}`);
    await page.getByRole('textbox', { name: 'App secret' }).fill(app.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: 'Settings' }).waitFor();
    const tabs = page.getByRole('tab');
    const count = await tabs.count();
    assert.ok(count >= 3, `tabs: ${count}`);
    for (let i = 0; i < count; i++) {
      await tabs.nth(i).click();
      await page.getByRole('tabpanel').waitFor();
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('/docs: the reference renders and "Try it out" calls the API, no violation', async () => {
    const context = await browser.context();
    const problems = await watch(context);
    const page = await context.newPage();
    await openUnderPolicy(page, `${server.url}/docs/`);
    await page.getByRole('heading', { name: /Switchboard API/ }).waitFor();
    const health = page.locator('.opblock-summary-path[data-path="/v1/health"]').first();
    await health.click();
    await page.getByRole('button', { name: 'Try it out' }).click();
    await page.getByRole('button', { name: 'Execute' }).click();
    await page.locator('.live-responses-table .response-col_status').filter({ hasText: '200' }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });
});
