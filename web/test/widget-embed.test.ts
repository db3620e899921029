import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
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

// A customer's stylesheet at its worst: everything it can reach is restyled with !important.
const HOSTILE_CSS = `
  * { font-size: 44px !important; color: red !important; background: lime !important; font-family: serif !important;
      line-height: 3 !important; letter-spacing: 4px !important; box-sizing: content-box !important; }
  button, input, textarea { display: none !important; }
  div { opacity: 0.2 !important; transform: rotate(3deg) !important; }
  switchboard-widget { display: none !important; }
  html { font-size: 5px !important; }
`;

/** A customer's site on its own origin (another port of 127.0.0.1), embedding the widget. */
async function site(snippet: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title><style>${HOSTILE_CSS}</style></head><body><h1>Our shop</h1><p>Products…</p>${snippet()}</body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describeEachStore('the widget on a customer’s site (another origin)', (kind) => {
  let server: WebServer;
  let browser: TestBrowser;
  let shop: { server: Server; origin: string };
  let stranger: { server: Server; origin: string };
  let app: TestApp;
  let agent: Agent;
  const snippet = () =>
    `<script src="${server.url}/widget.js" data-app-id="${app.id}" data-key="${app.domainKey}" data-title="Shop help" data-color="#ffcc00" async></script>`;

  before(async () => {
    server = await startWebServer(kind);
    browser = await launchBrowser();
    shop = await site(snippet);
    stranger = await site(snippet);
    app = await createTestApp(server, 'Shop', [shop.origin]);
    agent = await onlineAgent(server, app, { name: 'Sam Support' });
  });
  after(async () => {
    agent?.socket.close();
    await browser?.close();
    await server?.close();
    shop?.server.close();
    stranger?.server.close();
  });

  test('on a listed origin, through the hostile stylesheet, a whole chat works', async () => {
    assert.notEqual(new URL(shop.origin).origin, new URL(server.url).origin);
    const context = await browser.context();
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('requestfailed', (request) => failures.push(`${request.method()} ${request.url()}`));
    await page.goto(shop.origin);
    const w = widget(page);
    await startChat(page, 'Cora Customer', 'cora@example.com');
    const chatId = await storedChatId(page, app.id);
    await frame(
      agent.socket,
      (f) => f.event === 'invitations:new' && f.data.chatId === chatId,
      'the invitation',
    );
    await expectOk(server, 'POST', '/v1/invitations/accept', app.as(agent.token), { chatId });
    await w.dialog.getByText('Chatting with Sam Support').waitFor();
    await w.message.fill('Is this in stock?');
    await w.send.click();
    const sent = await frame(agent.socket, (f) => f.event === 'messages:new', 'the message');
    assert.equal(sent.data.message.message, 'Is this in stock?');
    await expectOk(server, 'POST', `/v1/chats/${chatId}/messages`, app.as(agent.token), {
      message: 'Yes, it is.',
    });
    await w.items.filter({ hasText: 'Yes, it is.' }).waitFor();
    assert.deepEqual(failures, [], 'no request was blocked (CORS answered)');

    // The page's rules never reach inside: sizes, colours and the layout are the widget's own.
    const look = await w.message.evaluate((el) => {
      const style = getComputedStyle(el);
      const panel = (el.getRootNode() as ShadowRoot).querySelector('.panel') as HTMLElement;
      const header = (el.getRootNode() as ShadowRoot).querySelector('header') as HTMLElement;
      return {
        fontSize: style.fontSize,
        color: style.color,
        display: style.display,
        panelWidth: panel.getBoundingClientRect().width,
        panelOpacity: getComputedStyle(panel).opacity,
        headerInk: getComputedStyle(header).color,
      };
    });
    assert.equal(look.fontSize, '15px');
    assert.notEqual(look.color, 'rgb(255, 0, 0)');
    assert.notEqual(look.display, 'none');
    assert.equal(look.panelWidth, 370);
    assert.equal(look.panelOpacity, '1');
    // A light accent (#ffcc00) gets dark text, for contrast.
    assert.equal(look.headerInk, 'rgb(17, 17, 17)');
    await screenshot(page, 'widget-other-origin-hostile-css');
    await context.close();
  });

  test('on an origin the app does not list, the widget says why and nothing is made', async () => {
    const before = await expectOk(server, 'GET', '/v1/users?limit=200', app.asApp);
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(stranger.origin);
    const w = widget(page);
    await w.launcher.click();
    await w.alert.filter({ hasText: 'not enabled for this website' }).waitFor();
    await w.name.fill('Mallory');
    await w.email.fill('mallory@example.com');
    await w.start.click();
    await w.alert.filter({ hasText: 'not enabled for this website' }).waitFor();
    const after = await expectOk(server, 'GET', '/v1/users?limit=200', app.asApp);
    assert.equal(after.users.length, before.users.length);
    await context.close();
  });

  test('mobile: the panel fills the screen and the composer stays above the keyboard', async () => {
    const context = await browser.browser.newContext({
      viewport: { width: 375, height: 667 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(shop.origin);
    const w = widget(page);
    await startChat(page, 'Mo Bile', 'mo@example.com');
    const panel = await w.dialog.boundingBox();
    assert.ok(panel);
    assert.equal(Math.round(panel.x), 0);
    assert.equal(Math.round(panel.width), 375);
    // The launcher steps aside on a phone; the panel keeps its own way out.
    assert.equal(await page.getByRole('button', { name: 'Minimize chat' }).count(), 0);
    assert.equal(await w.dialog.getByRole('button', { name: 'Minimize', exact: true }).count(), 1);
    await screenshot(page, 'widget-mobile');
    // The on-screen keyboard shrinks the visual viewport; the composer follows it.
    await page.setViewportSize({ width: 375, height: 360 });
    await page.waitForFunction(() => window.visualViewport?.height === 360);
    await w.message.tap();
    await page.waitForFunction(() => {
      const host = document.querySelector('switchboard-widget');
      const box = host?.shadowRoot?.querySelector('.composer')?.getBoundingClientRect();
      return box !== undefined && box.bottom <= 360 && box.top > 0;
    });
    await screenshot(page, 'widget-mobile-keyboard');
    await context.close();
  });
});
