import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, type TestBrowser } from './helpers/browser.ts';
import { describeEachStore, startWebServer, type WebServer } from './helpers/server.ts';

describeEachStore('the server serves the built apps', (kind) => {
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

  test('console and admin load in Chromium with no failed request and no console error', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    for (const path of ['/console/', '/admin/']) {
      await page.goto(`${server.url}${path}`);
      await page.locator('main').waitFor();
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('hashed assets are immutable, pages are revalidated', async () => {
    const page = await fetch(`${server.url}/console/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const asset = await fetch(`${server.url}${script}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  });
});
