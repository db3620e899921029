import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import type { Http } from '../src/http/types.ts';
import { installWeb } from '../src/http/web.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';

/** The demo page's config, and the widget's files as customers' pages load them (docs/widget.md). */
describeEachStore('the demo page and the widget files', (kind) => {
  let server: TestServer;
  let dist: string;
  let http: Http;
  before(async () => {
    server = await startServer(kind);
    dist = mkdtempSync(join(tmpdir(), 'switchboard-dist-'));
    mkdirSync(join(dist, 'widget'), { recursive: true });
    writeFileSync(join(dist, 'widget.js'), '/* loader */');
    writeFileSync(join(dist, 'widget', 'panel.js'), '/* panel */');
    http = Fastify({ routerOptions: { ignoreTrailingSlash: true } }) as unknown as Http;
    await installWeb(http, server.sb.ctx, dist);
  });
  after(async () => {
    await http?.close();
    await server?.close();
    rmSync(dist, { recursive: true, force: true });
  });

  test('/demo/config.json names the Demo app made on first start, and only that one', async () => {
    const admin = { 'x-hyper-admin': server.adminKey };
    const apps = await server.request('GET', '/v1/apps', { headers: admin });
    const demo = apps.body.apps.find((app: { name: string }) => app.name === 'Demo');
    assert.ok(demo, 'a first start makes the Demo app');
    const res = await http.inject({ method: 'GET', url: '/demo/config.json' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { appId: demo.id, name: 'Demo' });
    assert.equal(res.headers['cache-control'], 'no-store');
    // The first start also made a demo agent in it (its password is only in the start banner).
    const agents = await server.request('GET', '/v1/agents', {
      headers: {
        'x-hyper-appid': demo.id,
        'x-hyper-secret': (server.sb as unknown as { firstStart: { demo: { secret: string } } }).firstStart
          .demo.secret,
      },
    });
    assert.deepEqual(
      agents.body.agents.map((a: { contact: string }) => a.contact),
      ['agent@demo.local'],
    );
    // Renamed: no Demo app any more, and the page says so in the error envelope.
    await server.request('PUT', `/v1/apps/${demo.id}`, { headers: admin, body: { name: 'Mine now' } });
    const gone = await http.inject({ method: 'GET', url: '/demo/config.json' });
    assert.equal(gone.statusCode, 404);
    assert.deepEqual(gone.json(), { error: { code: 404, message: 'This server has no Demo app' } });
  });

  test('the loader and the panel may load on any site (classic scripts, CORP cross-origin)', async () => {
    for (const url of ['/widget.js', '/widget/panel.js']) {
      const res = await http.inject({ method: 'GET', url, headers: { origin: 'https://shop.example' } });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', url);
      assert.match(String(res.headers['content-type']), /javascript/, url);
    }
  });
});
