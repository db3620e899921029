import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startProvider, type TestProvider } from '../../server/test/helpers/oidc-provider.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createAgent,
  createTestApp,
  startWebServer,
  type TestApp,
  type WebServer,
} from './helpers/server.ts';

/** Screenshots of the round trip, for people to look at. */
const shot = (page: Page, name: string) => screenshot(page, `sso-${name}`);

/** "Sign in with SSO" in the console, end to end against a real OpenID provider (oidc-provider). */
describe('console single sign-on [sqlite]', () => {
  let server: WebServer;
  let provider: TestProvider;
  let browser: TestBrowser;
  let app: TestApp;
  const CLIENT = { client_id: 'switchboard-console', client_secret: 'console-client-secret' };

  before(async () => {
    server = await startWebServer('sqlite');
    provider = await startProvider([{ ...CLIENT, redirect_uris: [`${server.url}/v1/agents/sso/callback`] }], {
      ann: { email: 'ann@shop.example', email_verified: true, name: 'Ann Agent' },
      stranger: { email: 'stranger@shop.example', email_verified: true, name: 'Stranger' },
      newbie: { email: 'newbie@shop.example', email_verified: true, name: 'Nina Newbie' },
    });
    browser = await launchBrowser();
    app = await createTestApp(server, 'SSO shop');
    await createAgent(server, app, { name: 'Ann', contact: 'ann@shop.example', password: 'ann-password' });
    await settings({
      issuer: provider.issuer,
      clientId: CLIENT.client_id,
      clientSecret: CLIENT.client_secret,
      autoCreate: false,
      required: false,
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  async function settings(sso: Record<string, unknown>): Promise<void> {
    const res = await server.request('PUT', '/v1/settings', { headers: app.asApp, body: { sso } });
    assert.equal(res.status, 200, res.text);
  }

  async function agentCount(): Promise<number> {
    const res = await server.request('GET', '/v1/agents?limit=200', { headers: app.asApp });
    return res.body.agents.length;
  }

  /** A fresh browser (no provider session) clicks "Sign in with SSO" and signs in at the provider as `login`. */
  async function ssoRoundTrip(login: string, name: string): Promise<Page> {
    const page = await (await browser.context()).newPage();
    await page.goto(`${server.url}/console/?appId=${app.id}`);
    const button = page.getByRole('button', { name: 'Sign in with SSO', exact: true });
    await button.waitFor();
    await shot(page, `${name}-1-console-sign-in`);
    await button.click();
    await page.waitForURL(`${provider.issuer}/**`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await shot(page, `${name}-2-provider-login`);
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL(`${server.url}/console/**`);
    return page;
  }

  test('an agent clicks "Sign in with SSO", signs in at the provider and lands signed in', async () => {
    const page = await ssoRoundTrip('ann', 'ann');
    await page.getByRole('combobox', { name: 'Status' }).waitFor();
    await shot(page, 'ann-3-console-signed-in');
    // The one-time code is gone from the address; the tab keeps its session as after a password sign-in.
    assert.equal(new URL(page.url()).hash, '');
    const saved = await page.evaluate(() => sessionStorage.getItem('switchboard.console.session'));
    const session = JSON.parse(saved ?? '{}') as {
      appId?: string;
      token?: string;
      agent?: { contact?: string };
    };
    assert.equal(session.appId, app.id);
    assert.match(session.token ?? '', /^tk_/);
    assert.equal(session.agent?.contact, 'ann@shop.example');
    assert.equal(page.url().includes(session.token ?? '-'), false);
  });

  test('autoCreate off: a person with no agent is refused on the sign-in screen, nobody is created', async () => {
    const before = await agentCount();
    const page = await ssoRoundTrip('stranger', 'stranger');
    await page.getByText('no agent of this app has your e-mail address').waitFor();
    await shot(page, 'stranger-3-refused');
    assert.equal(await page.getByRole('combobox', { name: 'Status' }).count(), 0);
    assert.equal(await agentCount(), before);
  });

  test('required + autoCreate: only the SSO button is offered, and a new person lands signed in', async () => {
    await settings({ required: true, autoCreate: true });
    const before = await agentCount();
    const page = await ssoRoundTrip('newbie', 'newbie');
    await page.getByRole('combobox', { name: 'Status' }).waitFor();
    await shot(page, 'newbie-3-console-signed-in');
    assert.equal(await agentCount(), before + 1);
    const check = await (await browser.context()).newPage();
    await check.goto(`${server.url}/console/?appId=${app.id}`);
    await check.getByRole('button', { name: 'Sign in with SSO', exact: true }).waitFor();
    assert.equal(await check.getByRole('textbox', { name: 'Password' }).count(), 0);
    await shot(check, 'required-sign-in');
    const res = await server.request('POST', '/v1/agents/login', {
      headers: app.asKey,
      body: { contact: 'ann@shop.example', password: 'ann-password' },
    });
    assert.equal(res.status, 403, res.text);
  });
});
