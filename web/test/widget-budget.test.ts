import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { launchBrowser, type TestBrowser } from './helpers/browser.ts';
import { describeEachStore, startWebServer, type WebServer } from './helpers/server.ts';
import { widget } from './helpers/widget.ts';

/** docs/widget.md: the loader ≤ 3 KB gzip, everything the widget loads ≤ 30 KB gzip. */
const LOADER_BUDGET = 3 * 1024;
const TOTAL_BUDGET = 30 * 1024;
const dist = join(import.meta.dirname, '..', 'dist');

const gzipped = (path: string) => gzipSync(readFileSync(path), { level: 9 }).length;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

test('the widget fits its budgets (gzip)', () => {
  const loader = gzipped(join(dist, 'widget.js'));
  const panel = files(join(dist, 'widget')).map((path) => ({ path, bytes: gzipped(path) }));
  const total = loader + panel.reduce((sum, file) => sum + file.bytes, 0);
  console.log(
    `widget sizes (gzip -9): loader ${loader} B; ${panel.map((f) => `${f.path.slice(dist.length + 1)} ${f.bytes} B`).join(', ')}; total ${total} B`,
  );
  assert.ok(loader <= LOADER_BUDGET, `widget.js is ${loader} B gzip, over ${LOADER_BUDGET}`);
  assert.ok(total <= TOTAL_BUDGET, `the widget loads ${total} B gzip, over ${TOTAL_BUDGET}`);
});

describeEachStore('the loader', (kind) => {
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

  test('shows the launcher at once and fetches the panel only on first open', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    const fetched: string[] = [];
    page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}/demo/`);
    const w = widget(page);
    await w.launcher.waitFor();
    assert.ok(fetched.includes('/widget.js'));
    assert.ok(!fetched.some((path) => path.startsWith('/widget/')), `fetched early: ${fetched.join(' ')}`);
    await w.launcher.click();
    await w.dialog.waitFor();
    const panel = fetched.find((path) => /^\/widget\/panel-[\w-]{8}\.js$/.test(path));
    assert.ok(panel, `the panel, by its hashed name: ${fetched.join(' ')}`);
    const response = await fetch(`${server.url}${panel}`);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    // Keyboard: the first field has the focus; Escape hides the panel and gives the focus back.
    await w.name.waitFor();
    assert.equal(await w.name.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement), true);
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    assert.equal(
      await w.launcher.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement),
      true,
    );
    await page.keyboard.press('Enter');
    await w.dialog.waitFor();
    await context.close();
  });
});
