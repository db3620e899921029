import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertError, createTestApp, expectStatus, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from './helpers/harness.ts';

describeEachStore('apps and settings', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'First', ['shop.example.com']);
    other = await createTestApp(server, 'Second');
  });
  after(() => server.close());

  it('creates, lists, gets and updates apps with the admin key', async () => {
    const admin = { 'x-hyper-admin': server.adminKey };
    const list = await expectStatus(server, 200, 'GET', '/v1/apps', { headers: admin });
    const ids = list.body.apps.map((a: { id: string }) => a.id);
    assert.ok(ids.includes(app.id) && ids.includes(other.id));
    const got = await expectStatus(server, 200, 'GET', `/v1/apps/${app.id}`, { headers: admin });
    assert.deepEqual(Object.keys(got.body.app).sort(), ['created', 'domains', 'id', 'name']);
    assert.deepEqual(got.body.app.domains, ['shop.example.com']);
    const put = await expectStatus(server, 200, 'PUT', `/v1/apps/${app.id}`, {
      headers: admin,
      body: { name: 'Renamed' },
    });
    assert.equal(put.body.app.name, 'Renamed');
  });

  it('lets an app secret see only its own app', async () => {
    await expectStatus(server, 200, 'GET', `/v1/apps/${app.id}`, { headers: app.asApp });
    assertError(await server.request('GET', `/v1/apps/${other.id}`, { headers: app.asApp }), 404);
    assertError(
      await server.request('PUT', `/v1/apps/${other.id}`, { headers: app.asApp, body: { name: 'x' } }),
      404,
    );
    assertError(await server.request('GET', '/v1/apps', { headers: app.asApp }), 403);
    assertError(await server.request('POST', '/v1/apps', { headers: app.asApp, body: { name: 'x' } }), 403);
  });

  it('refuses a wrong or missing admin key', async () => {
    assertError(await server.request('GET', '/v1/apps', { headers: { 'x-hyper-admin': 'nope' } }), 401);
    assertError(await server.request('GET', '/v1/apps'), 401);
    assertError(
      await server.request('POST', '/v1/apps', { headers: { 'x-hyper-admin': server.adminKey }, body: {} }),
      400,
    );
  });

  it('validates the app id against the credentials', async () => {
    const res = await expectStatus(server, 200, 'GET', `/v1/apps/${other.id}/validate`, {
      headers: other.asKey,
    });
    assert.deepEqual(res.body, { valid: true, app: { id: other.id, name: 'Second' } });
    assertError(await server.request('GET', `/v1/apps/unknown/validate`, { headers: other.asAppId }), 404);
    assertError(
      await server.request('GET', `/v1/apps/${other.id}/validate`, {
        headers: { 'x-hyper-appid': 'unknown' },
      }),
      401,
    );
  });

  it('deep-merges and validates settings', async () => {
    const before = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: other.asApp });
    assert.equal(before.body.settings.assign.timeout, 30);
    const put = await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: other.asApp,
      body: {
        assign: { timeout: 12 },
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
      },
    });
    assert.equal(put.body.settings.assign.timeout, 12);
    assert.equal(put.body.settings.assign.maxAttempts, 10, 'sibling keys survive the merge');
    assert.equal(put.body.settings.rooms.length, 2);
    const bad = await server.request('PUT', '/v1/settings', {
      headers: other.asApp,
      body: { assign: { timeout: 'soon' } },
    });
    assertError(bad, 400);
    assert.ok(bad.body.error.details.some((d: { field: string }) => d.field === 'assign.timeout'));
    assertError(
      await server.request('PUT', '/v1/settings', {
        headers: other.asApp,
        body: {
          rooms: [
            { id: 1, name: 'a' },
            { id: 1, name: 'b' },
          ],
        },
      }),
      400,
    );
    const after = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: other.asApp });
    assert.equal(after.body.settings.assign.timeout, 12, 'a rejected update changes nothing');
    const pub = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: other.asKey });
    assert.deepEqual(Object.keys(pub.body.settings).sort(), ['langs', 'queue', 'rooms']);
    assertError(await server.request('PUT', '/v1/settings', { headers: other.asKey, body: {} }), 403);
  });

  it('answers health and fresh ids', async () => {
    const health = await expectStatus(server, 200, 'GET', '/v1/health');
    assert.deepEqual(health.body, { status: 'ok', version: '0.1.0', store: kind, bus: 'memory' });
    const id1 = await expectStatus(server, 200, 'GET', '/v1/id', { headers: app.asApp });
    const id2 = await expectStatus(server, 200, 'GET', '/v1/id', { headers: app.asApp });
    assert.match(id1.body.id, /^[0-9A-Z]{26}$/);
    assert.ok(id2.body.id > id1.body.id);
    assertError(await server.request('GET', '/v1/id', { headers: app.asKey }), 403);
  });
});
