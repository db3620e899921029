import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { contentSecurityPolicy, inlineScriptHashes } from '../src/http/page-headers.ts';
import type { Http } from '../src/http/types.ts';
import { installWeb } from '../src/http/web.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';

/**
 * The pages the browser trusts (docs/security.md, Headers), over real HTTP: every page and every
 * kind of file, on a dist folder the test writes (so it holds without a build; the browser suites
 * check the real build in Chromium), and /docs on a whole server.
 */

const DEMO_SCRIPT = "\n      document.title = 'demo ran';\n    ";
const DEMO = `<!doctype html><html><head><style>body{margin:0}</style></head><body><main>demo</main>
<script type="module">${DEMO_SCRIPT}</script></body></html>`;

/** One directive of a CSP, as its list of sources (undefined when absent). */
function directive(csp: string, name: string): string[] | undefined {
  for (const part of csp.split(';')) {
    const [key, ...sources] = part.trim().split(/\s+/);
    if (key === name) return sources;
  }
  return undefined;
}

function assertPageHeaders(headers: Headers, url: string): string {
  const csp = headers.get('content-security-policy');
  assert.ok(csp, `${url}: no CSP`);
  assert.deepEqual(directive(csp, 'frame-ancestors'), ["'none'"], url);
  assert.deepEqual(directive(csp, 'object-src'), ["'none'"], url);
  assert.deepEqual(directive(csp, 'default-src'), ["'self'"], url);
  const scripts = directive(csp, 'script-src') ?? [];
  assert.equal(scripts[0], "'self'", `${url}: ${csp}`);
  // Scripts from the server only: no host, scheme, inline or eval source beside 'self' and hashes.
  for (const source of scripts.slice(1))
    assert.match(source, /^'sha256-[A-Za-z0-9+/]+=*'$/, `${url}: ${csp}`);
  assert.equal(headers.get('x-frame-options'), 'DENY', url);
  assert.equal(headers.get('referrer-policy'), 'same-origin', url);
  assert.equal(headers.get('x-content-type-options'), 'nosniff', url);
  return csp;
}

describeEachStore('page headers', (kind) => {
  let server: TestServer;
  let dist: string;
  let web: Http;
  let base: string;
  let full: string;

  before(async () => {
    server = await startServer(kind);
    full = await server.sb.listen();
    dist = mkdtempSync(join(tmpdir(), 'switchboard-headers-'));
    for (const folder of ['console', 'admin', 'demo', 'assets', 'widget']) mkdirSync(join(dist, folder));
    writeFileSync(join(dist, 'console', 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'admin', 'index.html'), '<!doctype html><title>admin</title>');
    writeFileSync(join(dist, 'demo', 'index.html'), DEMO);
    writeFileSync(join(dist, 'assets', 'console-AbCd1234.js'), 'export {};');
    writeFileSync(join(dist, 'assets', 'ui-AbCd1234.css'), 'body{}');
    writeFileSync(join(dist, 'widget', 'panel-AbCd1234.js'), '/* panel */');
    writeFileSync(join(dist, 'widget.js'), '/* loader */');
    web = Fastify({ routerOptions: { ignoreTrailingSlash: true } }) as unknown as Http;
    await installWeb(web, server.sb.ctx, dist);
    const address = await web.listen({ port: 0, host: '127.0.0.1' });
    base = address;
  });
  after(async () => {
    await web?.close();
    await server?.close();
    if (dist) rmSync(dist, { recursive: true, force: true });
  });

  it('console and admin: a CSP with scripts and styles from the server only, no framing, referrer and nosniff', async () => {
    for (const url of ['/console/', '/console', '/console/index.html', '/admin/', '/admin']) {
      const res = await fetch(`${base}${url}`);
      assert.equal(res.status, 200, url);
      const csp = assertPageHeaders(res.headers, url);
      assert.deepEqual(directive(csp, 'script-src'), ["'self'"], url);
      assert.deepEqual(directive(csp, 'style-src'), ["'self'"], url);
      assert.deepEqual(directive(csp, 'connect-src'), ["'self'"], url);
    }
  });

  it('the demo page: its inline script allowed by its hash alone, inline styles for the widget', async () => {
    for (const url of ['/demo/', '/demo']) {
      const res = await fetch(`${base}${url}`);
      assert.equal(res.status, 200, url);
      const csp = assertPageHeaders(res.headers, url);
      const hash = createHash('sha256').update(DEMO_SCRIPT).digest('base64');
      assert.deepEqual(directive(csp, 'script-src'), ["'self'", `'sha256-${hash}'`], url);
      assert.deepEqual(directive(csp, 'style-src'), ["'self'", "'unsafe-inline'"], url);
    }
  });

  it('files: nosniff, and the widget still loads into other sites (no page policy, cross-origin CORP)', async () => {
    for (const url of ['/assets/console-AbCd1234.js', '/assets/ui-AbCd1234.css']) {
      const res = await fetch(`${base}${url}`);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
    }
    for (const url of ['/widget.js', '/widget/panel-AbCd1234.js']) {
      const res = await fetch(`${base}${url}`, { headers: { origin: 'https://shop.example.com' } });
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin', url);
      assert.equal(res.headers.get('content-security-policy'), null, url);
      assert.equal(res.headers.get('x-frame-options'), null, url);
      assert.match(res.headers.get('content-type') ?? '', /javascript/, url);
    }
  });

  it('/docs: the same page headers on the page, its files and its document', async () => {
    for (const url of [
      '/docs',
      '/docs/',
      '/docs/static/swagger-ui-bundle.js',
      '/docs/static/swagger-ui.css',
      '/docs/json',
    ]) {
      const res = await fetch(`${full}${url}`);
      assert.equal(res.status, 200, url);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.deepEqual(directive(csp, 'frame-ancestors'), ["'none'"], `${url}: ${csp}`);
      assert.deepEqual(directive(csp, 'script-src'), ["'self'"], `${url}: ${csp}`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
      await res.arrayBuffer();
    }
    const page = await fetch(`${full}/docs/`);
    assertPageHeaders(page.headers, '/docs/');
    assert.match(await page.text(), /swagger-ui-bundle\.js/);
  });

  it('the API answers are never sniffed either', async () => {
    const res = await fetch(`${full}/v1/health`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await fetch(`${full}/v1/nothing`)).headers.get('x-content-type-options'), 'nosniff');
  });
});

describe('the page policy', () => {
  it('hashes inline scripts only, as the browser does (the text between the tags, UTF-8)', () => {
    const html =
      '<script src="/a.js"></script><script>alert("é")</script><SCRIPT type="module">x()</SCRIPT >';
    const sha = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
    assert.deepEqual(inlineScriptHashes(html), [sha('alert("é")'), sha('x()')]);
  });

  it('allows inline styles only when asked', () => {
    assert.deepEqual(directive(contentSecurityPolicy(), 'style-src'), ["'self'"]);
    assert.deepEqual(directive(contentSecurityPolicy({ inlineStyles: true }), 'style-src'), [
      "'self'",
      "'unsafe-inline'",
    ]);
  });
});
