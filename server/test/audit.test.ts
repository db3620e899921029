import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import {
  assertError,
  createAgent,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { registerWebhook, WEBHOOK_ENV } from './helpers/webhooks.ts';

/** The audit log (docs/security.md, "Audit log"): one entry per change, in its transaction; sign-ins; the route. */

describeEachStore('audit log', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  let admin: Person;
  let receiver: Receiver;
  /** Every secret, password and token the suite used: none may appear in any entry. */
  const secrets: string[] = [];

  before(async () => {
    server = await startServer(kind, WEBHOOK_ENV);
    receiver = await startReceiver();
    app = await createTestApp(server, 'Audited');
    other = await createTestApp(server, 'Other');
    secrets.push(app.secret, other.secret, app.domainKey);
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
      },
    });
    admin = await createAgent(server, app, { role: 'admin', password: 'admin-pass-123' });
    secrets.push('admin-pass-123', admin.token);
  });
  after(async () => {
    await receiver.close();
    await server.close();
  });

  const audit = async (query: Record<string, string> = {}, headers = app.asApp): Promise<Json[]> => {
    const res = await expectStatus(server, 200, 'GET', `/v1/audit?${new URLSearchParams(query)}`, {
      headers,
    });
    return res.body.entries as Json[];
  };
  const newest = async () => (await audit({ limit: '1' }))[0]!;
  const count = async () => {
    const row = await server.sb.store.db
      .selectFrom('auditEntries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('appId', '=', app.id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  /** Runs a change and returns the one entry it wrote (asserting it wrote exactly one). */
  const oneEntryOf = async (change: () => Promise<unknown>): Promise<Json> => {
    const was = await count();
    await change();
    assert.equal(await count(), was + 1, 'exactly one entry');
    return newest();
  };
  const noEntryOf = async (change: () => Promise<unknown>): Promise<void> => {
    const was = await count();
    await change();
    assert.equal(await count(), was, 'no entry');
  };

  it('records a settings change by the secret, with what changed, and none for a refused one', async () => {
    const entry = await oneEntryOf(() =>
      expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: app.asApp,
        body: { assign: { timeout: 77 } },
      }),
    );
    assert.equal(entry.action, 'settings.update');
    assert.deepEqual(entry.actor, { kind: 'secret' });
    assert.deepEqual(entry.target, { type: 'settings', id: app.id });
    assert.equal(entry.changes['assign.timeout'].after, 77);
    assert.equal(typeof entry.at, 'number');
    assert.equal(entry.ip, '127.0.0.1');
    await noEntryOf(async () =>
      assertError(
        await server.request('PUT', '/v1/settings', {
          headers: app.asApp,
          body: { assign: { timeout: 'x' } },
        }),
        400,
      ),
    );
    // A change that changes nothing records nothing.
    await noEntryOf(() =>
      expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: app.asApp,
        body: { assign: { timeout: 77 } },
      }),
    );
  });

  it('records the SSO settings and tags by an admin person, never the client secret', async () => {
    const entry = await oneEntryOf(() =>
      expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: app.as(admin.token),
        body: {
          sso: {
            issuer: 'https://idp.example.com',
            clientId: 'switchboard',
            clientSecret: 'sso-client-secret-xyz',
            enabled: false,
          },
        },
      }),
    );
    secrets.push('sso-client-secret-xyz');
    assert.equal(entry.actor.kind, 'agent');
    assert.equal(entry.actor.id, admin.id);
    assert.equal(entry.changes['sso.clientSecret'].after, '[redacted]');
    assert.equal(entry.changes['sso.clientId'].after, 'switchboard');
    const tags = await oneEntryOf(() =>
      expectStatus(server, 200, 'PUT', '/v1/settings', {
        headers: app.asApp,
        body: { tags: { requiredOnClose: true, allowed: ['billing', 'bug'] } },
      }),
    );
    assert.deepEqual(tags.changes, {
      'tags.requiredOnClose': { before: false, after: true },
      'tags.allowed': { before: null, after: ['billing', 'bug'] },
    });
  });

  it('records the work timetable', async () => {
    const entry = await oneEntryOf(() =>
      expectStatus(server, 200, 'PUT', '/v1/settings/work-timetable', {
        headers: app.asApp,
        body: { timezone: 'Europe/Paris', weeks: [] },
      }),
    );
    assert.equal(entry.action, 'timetable.update');
    assert.equal(entry.changes.timezone.after, 'Europe/Paris');
  });

  it('records agents: create, role, active, password (the fact only), delete; none for a refused change', async () => {
    let agentId = '';
    const created = await oneEntryOf(async () => {
      const res = await expectStatus(server, 201, 'POST', '/v1/agents', {
        headers: app.as(admin.token),
        body: { name: 'Bea', contact: `bea-${kind}@example.com`, password: 'bea-pass-12345', rooms: [1] },
      });
      agentId = res.body.agent.id;
    });
    secrets.push('bea-pass-12345');
    assert.equal(created.action, 'agents.create');
    assert.deepEqual(created.target, { type: 'agent', id: agentId });
    assert.equal(created.changes.name.after, 'Bea');
    assert.deepEqual(created.changes.password, { after: '[redacted]' });
    const put = (body: Json, status = 200) =>
      expectStatus(server, status, 'PUT', `/v1/agents/${agentId}`, { headers: app.asApp, body });
    const role = await oneEntryOf(() => put({ role: 'supervisor' }));
    assert.equal(role.action, 'agents.update');
    assert.deepEqual(role.changes, { role: { before: 'agent', after: 'supervisor' } });
    const inactive = await oneEntryOf(() => put({ active: false }));
    assert.deepEqual(inactive.changes, { active: { before: true, after: false } });
    await oneEntryOf(() => put({ active: true }));
    const password = await oneEntryOf(() => put({ password: 'bea-new-pass-999' }));
    secrets.push('bea-new-pass-999');
    assert.deepEqual(password.changes, { password: { before: '[redacted]', after: '[redacted]' } });
    // Refused: an agent may not set a role; a taken contact fails after the entry was written (rolled back).
    const bea = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
      headers: app.asApp,
      body: { contact: `bea-${kind}@example.com`, password: 'bea-new-pass-999' },
    });
    secrets.push(bea.body.session.token);
    await noEntryOf(async () =>
      assertError(
        await server.request('PUT', `/v1/agents/${agentId}`, {
          headers: app.as(bea.body.session.token),
          body: { role: 'admin' },
        }),
        403,
      ),
    );
    const taken = await server.sb.store.db
      .selectFrom('users')
      .select('contact')
      .where('id', '=', admin.id)
      .executeTakeFirstOrThrow();
    await noEntryOf(() => put({ name: 'Renamed', contact: taken.contact }, 409));
    const deleted = await oneEntryOf(() =>
      expectStatus(server, 204, 'DELETE', `/v1/agents/${agentId}`, { headers: app.as(admin.token) }),
    );
    assert.equal(deleted.action, 'agents.delete');
    // Anonymised in the log too: no entry keeps Bea's name or contact.
    const all = JSON.stringify(await audit({ limit: '200' }));
    assert.ok(!all.includes(`bea-${kind}@example.com`), 'the deleted agent’s contact is gone from the log');
    assert.ok(!all.includes('"Bea"'), 'the deleted agent’s name is gone from the log');
  });

  it('writes the entry in the transaction of the change', async () => {
    const before = await count();
    const res = await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: { assign: { timeout: 55 } },
    });
    assert.equal(res.status, 200);
    assert.equal(await count(), before + 1);
    const entry = await newest();
    if (kind === 'postgres') {
      // The same transaction: the app row and the entry were written by one transaction id.
      const xmin = async (table: string, id: string) =>
        (
          await sql<{
            xmin: string;
          }>`select xmin::text as xmin from ${sql.table(table)} where id = ${id}`.execute(server.sb.store.db)
        ).rows[0]!.xmin;
      assert.equal(await xmin('audit_entries', entry.id), await xmin('apps', app.id));
    }
  });

  it('records canned responses, webhooks and the app (rotate, rename)', async () => {
    let cannedId = '';
    const canned = await oneEntryOf(async () => {
      const res = await expectStatus(server, 201, 'POST', '/v1/canned', {
        headers: app.asApp,
        body: { shortcut: 'hi', title: 'Hello', text: 'Hello there' },
      });
      cannedId = res.body.canned.id;
    });
    assert.equal(canned.action, 'canned.create');
    assert.equal(
      (
        await oneEntryOf(() =>
          expectStatus(server, 200, 'PUT', `/v1/canned/${cannedId}`, {
            headers: app.asApp,
            body: { title: 'Hi' },
          }),
        )
      ).changes.title.after,
      'Hi',
    );
    assert.equal(
      (
        await oneEntryOf(() =>
          expectStatus(server, 204, 'DELETE', `/v1/canned/${cannedId}`, { headers: app.asApp }),
        )
      ).action,
      'canned.delete',
    );
    let hook = { id: '', secret: '' };
    const created = await oneEntryOf(async () => {
      hook = await registerWebhook(server, app, receiver.url, ['chats:create']);
    });
    secrets.push(hook.secret);
    assert.equal(created.action, 'webhooks.create');
    assert.equal(created.changes.target.after, new URL(receiver.url).href);
    const updated = await oneEntryOf(() =>
      expectStatus(server, 200, 'PUT', `/v1/webhooks/${hook.id}`, {
        headers: app.asApp,
        body: { active: false },
      }),
    );
    assert.deepEqual(updated.changes, { active: { before: true, after: false } });
    const rotated = await oneEntryOf(async () => {
      const res = await expectStatus(server, 200, 'POST', `/v1/webhooks/${hook.id}/rotate`, {
        headers: app.asApp,
      });
      secrets.push(res.body.secret);
    });
    assert.equal(rotated.action, 'webhooks.rotate');
    await oneEntryOf(() =>
      expectStatus(server, 204, 'DELETE', `/v1/webhooks/${hook.id}`, { headers: app.asApp }),
    );
    const renamed = await oneEntryOf(() =>
      expectStatus(server, 200, 'PUT', `/v1/apps/${app.id}`, {
        headers: { 'x-hyper-admin': server.adminKey },
        body: { name: 'Audited too' },
      }),
    );
    assert.deepEqual(renamed.actor, { kind: 'admin-key' });
    assert.deepEqual(renamed.changes, { name: { before: 'Audited', after: 'Audited too' } });
    // Rotation: with the secret, answering the new secret once; the old keeps working for the grace.
    const rotate = await oneEntryOf(async () => {
      const res = await expectStatus(server, 200, 'POST', `/v1/apps/${app.id}/rotate`, {
        headers: app.asApp,
        body: { graceSeconds: 60 },
      });
      secrets.push(res.body.secret);
    });
    assert.equal(rotate.action, 'apps.rotate');
    assert.equal(rotate.changes.graceSeconds.after, 60);
    const created2 = await expectStatus(server, 200, 'GET', `/v1/audit?action=apps.create`, {
      headers: app.asApp,
    });
    assert.equal(created2.body.entries.length, 1);
    assert.deepEqual(created2.body.entries[0].actor, { kind: 'admin-key' });
  });

  it('records sign-ins, succeeded and failed, with the client address and never the password', async () => {
    const contact = `sam-${kind}@example.com`;
    await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: app.asApp,
      body: { name: 'Sam', contact, password: 'sam-pass-12345', rooms: [1] },
    });
    secrets.push('sam-pass-12345', 'sam-wrong-pass-1', 'nobody-pass-123');
    const ok = await oneEntryOf(async () => {
      const res = await expectStatus(server, 200, 'POST', '/v1/agents/login', {
        headers: app.asAppId,
        body: { contact, password: 'sam-pass-12345' },
        remoteAddress: '203.0.113.7',
      });
      secrets.push(res.body.session.token);
    });
    assert.equal(ok.action, 'agents.sign_in');
    assert.equal(ok.ip, '203.0.113.7');
    assert.equal(ok.actor.name, 'Sam');
    const failed = await oneEntryOf(async () =>
      assertError(
        await server.request('POST', '/v1/agents/login', {
          headers: app.asAppId,
          body: { contact, password: 'sam-wrong-pass-1' },
          remoteAddress: '203.0.113.8',
        }),
        401,
      ),
    );
    assert.equal(failed.action, 'agents.sign_in_failed');
    assert.equal(failed.ip, '203.0.113.8');
    assert.equal(failed.target.id, ok.target.id);
    const unknown = await oneEntryOf(async () =>
      assertError(
        await server.request('POST', '/v1/agents/login', {
          headers: app.asAppId,
          body: { contact: 'nobody@example.com', password: 'nobody-pass-123' },
        }),
        401,
      ),
    );
    assert.deepEqual(unknown.target, { type: 'agent', id: 'unknown' });
    assert.ok(!JSON.stringify(unknown).includes('nobody@example.com'));
  });

  it('never holds a secret, password or token in any entry', async () => {
    const rows = await server.sb.store.db.selectFrom('auditEntries').selectAll().execute();
    const text = JSON.stringify(rows);
    assert.ok(rows.length > 15, `${rows.length} entries`);
    for (const secret of secrets) assert.ok(!text.includes(secret), `an entry holds ${secret.slice(0, 6)}…`);
    assert.ok(!/passwordHash|"secretHash/.test(text));
  });

  it('filters by actor, action, area and time, pages newest first, and refuses bad parameters', async () => {
    const byAdmin = await audit({ actor: admin.id });
    assert.ok(byAdmin.length >= 2);
    assert.ok(byAdmin.every((e) => e.actor.id === admin.id));
    assert.ok((await audit({ actor: 'admin-key' })).every((e) => e.actor.kind === 'admin-key'));
    const agents = await audit({ action: 'agents', limit: '200' });
    assert.ok(agents.length > 5 && agents.every((e) => e.action.startsWith('agents.')));
    assert.ok((await audit({ action: 'agents.sign_in' })).every((e) => e.action === 'agents.sign_in'));
    const all = await audit({ limit: '200' });
    const ids = all.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    // Paging: pages of 3 give the same entries in the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { limit: '3', ...(cursor ? { cursor } : {}) };
      const res = await expectStatus(server, 200, 'GET', `/v1/audit?${new URLSearchParams(query)}`, {
        headers: app.asApp,
      });
      paged.push(...res.body.entries.map((e: Json) => e.id));
      cursor = res.body.next;
    } while (cursor);
    assert.deepEqual(paged, ids);
    const at = all[0]!.at as number;
    assert.ok((await audit({ since: String(at + 10) })).length === 0);
    assert.ok((await audit({ until: String(at - 100000) })).length === 0);
    assert.equal(
      (await audit({ since: String(at - 1000), until: String(at + 1000), limit: '200' })).length,
      all.length,
    );
    for (const query of [
      'limit=0',
      'limit=500',
      'action=Bad!',
      'since=-1',
      'since=10&until=5',
      'cursor=%%%',
      'actor=a%20b',
    ])
      assertError(await server.request('GET', `/v1/audit?${query}`, { headers: app.asApp }), 400);
  });

  it('answers the secret and admin persons; 403 for agents, supervisors and end users; each app its own', async () => {
    const agent = await createAgent(server, app, { role: 'agent' });
    const supervisor = await createAgent(server, app, { role: 'supervisor' });
    const user = await createUser(server, app);
    assert.ok((await audit({}, app.as(admin.token))).length > 0);
    for (const token of [agent.token, supervisor.token, user.token])
      assertError(await server.request('GET', '/v1/audit', { headers: app.as(token) }), 403);
    assertError(await server.request('GET', '/v1/audit', { headers: app.asKey }), 403);
    assertError(await server.request('GET', '/v1/audit'), 401);
    // The other app's log holds only its own entries, and an admin of it sees no entry of this app.
    const otherAdmin = await createAgent(server, other, { role: 'admin' });
    const mine = new Set((await audit({ limit: '200' })).map((e) => e.id));
    for (const headers of [other.asApp, other.as(otherAdmin.token)]) {
      const theirs = await audit({ limit: '200' }, headers);
      assert.ok(theirs.length > 0);
      assert.ok(theirs.every((e) => !mine.has(e.id)));
      assert.ok(!JSON.stringify(theirs).includes(app.id));
    }
  });
});
