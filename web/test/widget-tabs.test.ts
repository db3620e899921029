import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { SwitchboardApi } from '../widget/shared.ts';
import { launchBrowser, screenshot, type TestBrowser } from './helpers/browser.ts';
import {
  createTestApp,
  describeEachStore,
  startWebServer,
  type TestApp,
  type WebServer,
} from './helpers/server.ts';
import {
  type Agent,
  expectOk,
  frame,
  onlineAgent,
  startChat,
  storedChatId,
  widget,
} from './helpers/widget.ts';

/** Several tabs of one visitor, `(window as unknown as { Switchboard?: SwitchboardApi }).Switchboard`, and `forever:alone` while waiting. */
describeEachStore('the widget across tabs, its JS API, and nobody taking the chat', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let app: TestApp;
  let agent: Agent;

  // A site of its own (another port of 127.0.0.1) with the widget of an app that lists no domains.
  let site: Server;
  let siteUrl: string;

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    app = await createTestApp(server, 'Tabs');
    site = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><html><body><h1>Tabs</h1><script src="${server.url}/widget.js" data-app-id="${app.id}" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  });
  after(async () => {
    agent?.socket.close();
    await browser?.close();
    await server?.close();
    site?.close();
  });

  async function open(context: Awaited<ReturnType<TestBrowser['context']>>) {
    const tab = await context.newPage();
    await tab.goto(siteUrl);
    return tab;
  }

  test('two tabs are one visitor in one chat; window.Switchboard opens, closes, pre-fills and reports', async () => {
    agent = await onlineAgent(server, app, { name: 'Tia Tabs' });
    const context = await browser.context();
    const first = await open(context);
    const second = await open(context);
    const one = widget(first);
    const two = widget(second);

    // The API: setUser pre-fills, open/close drive the panel, on() reports.
    await first.waitForFunction(
      () => (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard !== undefined,
    );
    await first.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard?.on('open', () =>
        seen.push('open'),
      );
      (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard?.on('close', () =>
        seen.push('close'),
      );
      (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard?.on('message', (m: unknown) =>
        seen.push(`message:${(m as { message: string }).message}`),
      );
      (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard?.setUser({
        name: 'Tess Tabs',
        contact: 'tess@example.com',
      });
      (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard?.open();
    });
    await one.dialog.waitFor();
    assert.equal(await one.name.inputValue(), 'Tess Tabs');
    assert.equal(await one.email.inputValue(), 'tess@example.com');
    await first.evaluate(() => (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard?.close());
    await one.dialog.waitFor({ state: 'hidden' });
    await first.evaluate(() => (window as unknown as { Switchboard?: SwitchboardApi }).Switchboard?.open());
    // The other tab shows its pre-chat form meanwhile…
    await two.launcher.click();
    await two.start.waitFor();
    await one.start.click();
    await one.message.waitFor();
    const chatId = await storedChatId(first, app.id);
    // …and follows the chat started in the first (the storage event).
    await two.log.waitFor();
    assert.equal(await storedChatId(second, app.id), chatId);

    await frame(
      agent.socket,
      (f) => f.event === 'invitations:new' && f.data.chatId === chatId,
      'the invitation',
    );
    await expectOk(server, 'POST', '/v1/invitations/accept', app.as(agent.token), { chatId });
    await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(agent.token), {
      message: 'Hi both tabs',
    });
    await one.items.filter({ hasText: 'Hi both tabs' }).waitFor();
    await two.items.filter({ hasText: 'Hi both tabs' }).waitFor();
    await two.message.fill('Sent from tab two');
    await two.send.click();
    await one.items.filter({ hasText: 'Sent from tab two' }).waitFor();
    const seen = await first.evaluate(() => (window as unknown as { seen: string[] }).seen);
    assert.deepEqual(seen, ['open', 'close', 'open', 'message:Hi both tabs']);
    await screenshot(second, 'widget-second-tab');

    // Ending in one tab ends it in both.
    await one.end.click();
    await two.dialog.getByText('This chat has ended.').waitFor();
    await context.close();
  });

  test('forever:alone while waiting: the visitor is told, and leaves the message as a ticket', async () => {
    const context = await browser.context();
    const tab = await open(context);
    const w = widget(tab);
    await startChat(tab, 'Lone Visitor', 'lone@example.com');
    const chatId = await storedChatId(tab, app.id);
    await frame(
      agent.socket,
      (f) => f.event === 'invitations:new' && f.data.chatId === chatId,
      'the invitation',
    );
    await w.message.fill('My printer is on fire');
    await w.send.click();
    await w.items.filter({ hasText: 'My printer is on fire' }).getByText('Sent').waitFor();
    // The only agent says no: nobody is left to invite.
    await expectOk(server, 'POST', '/v1/invitations/reject', app.as(agent.token), { chatId });
    await w.status.filter({ hasText: 'Nobody can take your chat' }).waitFor();
    await screenshot(tab, 'widget-forever-alone');
    await w.dialog.getByRole('button', { name: 'Leave message' }).click();
    await w.dialog.getByText('we will reply to lone@example.com').waitFor();
    const tickets = await expectOk(server, 'GET', `/v1/tickets?externalId=${chatId}`, app.asApp);
    assert.equal(tickets.tickets.length, 1);
    assert.match(JSON.stringify(tickets.tickets[0].transcript), /printer is on fire/);
    await context.close();
  });
});
