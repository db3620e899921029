import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import type { Http } from '../src/http/types.ts';
import { installWeb } from '../src/http/web.ts';
import { createTestApp } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';

/** A Fastify with only the web plugin, over a dist folder the test writes (independent of the real build). */
async function webOver(server: TestServer, dist: string): Promise<Http> {
  const http = Fastify({ routerOptions: { ignoreTrailingSlash: true } }) as unknown as Http;
  await installWeb(http, server.sb.ctx, dist);
  return http;
}

describeEachStore('web apps served from web/dist', (kind) => {
  let server: TestServer;
  let dist: string;
  before(async () => {
    server = await startServer(kind);
    dist = mkdtempSync(join(tmpdir(), 'switchboard-dist-'));
  });
  after(async () => {
    await server?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('before a build every app answers 503 with a message that says how to build', async () => {
    const http = await webOver(server, join(dist, 'missing'));
    for (const url of [
      '/console/',
      '/admin',
      '/demo/',
      '/widget.js',
      '/icf.sdk.js',
      '/widget/panel.js',
      '/assets/x.js',
    ]) {
      const res = await http.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 503, url);
      const body = res.json() as { error: { code: number; message: string } };
      assert.equal(body.error.code, 503);
      assert.match(body.error.message, /npm run build --workspace web/);
    }
    await http.close();
  });

  test('pages are revalidated, hashed assets immutable, with or without the trailing slash', async () => {
    mkdirSync(join(dist, 'console'), { recursive: true });
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'console', 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'console-AbCd1234.js'), 'export {};');
    writeFileSync(join(dist, 'widget.js'), '/* loader */');
    writeFileSync(join(dist, 'icf.sdk.js'), '/* ICF */');
    const http = await webOver(server, dist);
    for (const url of ['/console/', '/console', '/console/index.html']) {
      const res = await http.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(res.body, /<title>console<\/title>/);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
    }
    const asset = await http.inject({ method: 'GET', url: '/assets/console-AbCd1234.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    const loader = await http.inject({ method: 'GET', url: '/widget.js' });
    assert.equal(loader.statusCode, 200);
    assert.equal(loader.headers['cache-control'], 'no-cache');
    // HyperChat's browser SDK (docs/icf.md): one stable URL, revalidated, loadable by any site.
    const icf = await http.inject({ method: 'GET', url: '/icf.sdk.js' });
    assert.equal(icf.statusCode, 200);
    assert.equal(icf.body, '/* ICF */');
    assert.match(String(icf.headers['content-type']), /javascript/);
    assert.equal(icf.headers['cache-control'], 'no-cache');
    assert.equal(icf.headers['cross-origin-resource-policy'], 'cross-origin');
    assert.ok(icf.headers.etag, 'revalidated by ETag');
    const missing = await http.inject({ method: 'GET', url: '/assets/nothing-here.js' });
    assert.equal(missing.statusCode, 404);
    const traversal = await http.inject({ method: 'GET', url: '/console/..%2f..%2fetc%2fpasswd' });
    assert.notEqual(traversal.statusCode, 200);
    await http.close();
  });

  test('/console/app.json names the app only while the server holds exactly one', async () => {
    const http = await webOver(server, dist);
    // A first start creates the Demo app: the one app a newcomer signs in to.
    const apps = await server.request('GET', '/v1/apps', { headers: { 'x-hyper-admin': server.adminKey } });
    assert.equal(apps.body.apps.length, 1);
    const one = await http.inject({ method: 'GET', url: '/console/app.json' });
    assert.deepEqual(one.json(), { appId: apps.body.apps[0].id });
    assert.equal(one.headers['cache-control'], 'no-store');
    await createTestApp(server, 'Second');
    const two = await http.inject({ method: 'GET', url: '/console/app.json' });
    assert.deepEqual(two.json(), { appId: null });
    await http.close();
  });
});
