import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import { describeEachStore, startWebServer, type WebServer } from './helpers/server.ts';
import { demoAgent, demoApp, startChat, widget } from './helpers/widget.ts';

/**
 * What the README promises a newcomer after `npm start`: a visitor on /demo/ in one tab, the demo
 * agent in /console/ in another, talking — both sides real pages, nothing driven through the API.
 */
describeEachStore('visitor in the widget, agent in the console', (kind) => {
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

  test('the demo agent signs in (App ID prefilled), accepts the demo visitor, they talk with typing and receipts, the agent closes', async () => {
    const demo = { appId: demoApp(server).id, agent: demoAgent(server) };

    const console_ = await (await browser.context()).newPage();
    await console_.goto(`${server.url}/console/`);
    // Prefilled from /console/app.json: the server holds one app, the Demo app.
    await console_.waitForFunction(
      (id) => document.querySelector<HTMLInputElement>('input[name="appId"]')?.value === id,
      demo.appId,
    );
    await console_.getByRole('textbox', { name: 'Email' }).fill(demo.agent.contact);
    await console_.getByRole('textbox', { name: 'Password' }).fill(demo.agent.password);
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await console_.getByRole('combobox', { name: 'Status' }).waitFor();

    const visitor = await (await browser.context()).newPage();
    await visitor.goto(`${server.url}/demo/`);
    const w = widget(visitor);
    await startChat(visitor, 'Nina Newcomer', 'nina@example.com');

    const invitation = console_.getByRole('dialog', { name: 'Invitation' });
    await invitation.getByText('Nina Newcomer').waitFor();
    await invitation.getByRole('button', { name: 'Accept' }).click();
    const log = console_.getByRole('log');
    await console_
      .getByRole('complementary', { name: 'Visitor details' })
      .getByText('nina@example.com')
      .waitFor();

    // Visitor → agent: typing, the message, the agent's read receipt back in the widget.
    await w.message.pressSequentially('Hello from the demo page', { delay: 5 });
    await console_.getByText('Nina Newcomer is typing…').waitFor();
    await w.send.click();
    await log.getByRole('listitem').filter({ hasText: 'Hello from the demo page' }).waitFor();
    await w.items.filter({ hasText: 'Hello from the demo page' }).getByText('Read').waitFor();

    // Agent → visitor: typing, the message, the widget's read receipt back in the console.
    const composer = console_.getByRole('textbox', { name: 'Message' });
    await composer.pressSequentially('Welcome! How can I help?', { delay: 5 });
    await w.dialog.getByText(/is typing…/).waitFor();
    await composer.press('Enter');
    await w.items.filter({ hasText: 'Welcome! How can I help?' }).waitFor();
    await log
      .getByRole('listitem')
      .filter({ hasText: 'Welcome! How can I help?' })
      .getByText('Read')
      .waitFor();
    await screenshot(console_, `e2e-console-${kind}`);
    await screenshot(visitor, `e2e-widget-${kind}`);

    await console_.getByRole('button', { name: 'Close chat' }).click();
    await console_.getByText('This chat is closed.').waitFor();
    await w.dialog.getByRole('button', { name: 'Download transcript' }).waitFor();
    assert.equal(await w.message.count(), 0, 'no composer once the chat is closed');
  });
});
