import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import { describeEachStore, startWebServer, type WebServer } from './helpers/server.ts';
import { demoAgent, startChat, widget } from './helpers/widget.ts';

/**
 * The README's promise: right after the first start, a newcomer is a visitor on /demo/ in one tab and
 * the demo agent (printed in the banner) on /console/ in another, and they can chat.
 */
describeEachStore('the demo: a visitor on /demo/ and the demo agent in /console/', (kind) => {
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

  test('the agent signs in with the printed password, accepts the visitor, and they talk', async () => {
    const demo = demoAgent(server);
    const agentContext = await browser.context();
    const console_ = await agentContext.newPage();
    await console_.goto(`${server.url}/console/`);
    // The server holds one app (Demo): its id is prefilled.
    await console_.getByRole('textbox', { name: 'Email' }).fill(demo.contact);
    await console_.getByRole('textbox', { name: 'Password' }).fill(demo.password);
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await console_.getByRole('combobox', { name: 'Status' }).waitFor();

    const visitorContext = await browser.context();
    const page = await visitorContext.newPage();
    await page.goto(`${server.url}/demo/`);
    const w = widget(page);
    await startChat(page, 'New Comer', 'newcomer@example.com');
    await w.message.fill('Hello from the demo page');
    await w.send.click();

    const invitation = console_
      .getByRole('alert', { name: 'Invitation' })
      .or(console_.getByRole('dialog', { name: 'Invitation' }));
    await invitation.getByRole('button', { name: 'Accept' }).click();
    await console_
      .getByRole('log')
      .getByRole('listitem')
      .filter({ hasText: 'Hello from the demo page' })
      .waitFor();
    await w.dialog.getByText('Chatting with Demo Agent').waitFor();
    await console_.getByRole('textbox', { name: 'Message' }).fill('Hi! The demo works.');
    await console_.getByRole('button', { name: 'Send', exact: true }).click();
    await w.items.filter({ hasText: 'Hi! The demo works.' }).waitFor();
    await screenshot(page, 'demo-visitor');
    await screenshot(console_, 'demo-agent');
    assert.equal(await w.items.count(), 2);
    await agentContext.close();
    await visitorContext.close();
  });
});
