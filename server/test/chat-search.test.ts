import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, it } from 'node:test';
import pg from 'pg';
import {
  assertError,
  createAgent,
  createChat,
  createTestApp,
  createUser,
  expectStatus,
  type Person,
  type TestApp,
} from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';

/**
 * Past chats and search (docs/search.md): `GET /chats?q=` over the full-text index of each store,
 * notes only for staff, each caller within its scope, paged, bad input refused, old data indexed.
 */
describeEachStore('chat search', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-search-'));
  /** a1 serves room 1 and took part in c1; a2 serves room 2; a4 wrote in c2 and left it. */
  const p = {} as Record<'u1' | 'u2' | 'a1' | 'a2' | 'a3' | 'a4' | 'sup1' | 'sup2', Person>;
  /** c1 (room 1, closed), c2 (room 1, closed), c3 (room 2, open). */
  const c = {} as Record<'c1' | 'c2' | 'c3', string>;

  const send = (chatId: string, who: Person, message: string, visibility?: 'agents') =>
    expectStatus(server, 201, 'POST', `/v1/chats/${chatId}/messages`, {
      headers: app.as(who.token),
      body: { message, ...(visibility ? { visibility } : {}) },
    });
  const joinChat = (chatId: string, who: Person) =>
    expectStatus(server, 200, 'POST', `/v1/chats/${chatId}/join`, { headers: app.as(who.token), body: {} });
  const close = (chatId: string) =>
    expectStatus(server, 200, 'DELETE', `/v1/chats/${chatId}`, { headers: app.asApp, body: {} });

  /** The ids GET /chats answers to `who` (the secret when absent) for `query`. */
  async function found(query: Record<string, string>, who?: Person, target = app): Promise<string[]> {
    const headers = who ? target.as(who.token) : target.asApp;
    const res = await expectStatus(server, 200, 'GET', '/v1/chats', {
      headers,
      query: { limit: '200', ...query },
    });
    return res.body.chats.map((chat: Json) => chat.id);
  }
  const sorted = (ids: string[]) => [...ids].sort();

  before(async () => {
    server = await startServer(kind, {}, { dataDir });
    app = await createTestApp(server, 'Search app');
    other = await createTestApp(server, 'Other app');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'General' },
          { id: 2, name: 'Sales' },
        ],
        assign: { onCreate: false },
      },
    });
    p.u1 = await createUser(server, app);
    p.u2 = await createUser(server, app);
    p.a1 = await createAgent(server, app, { rooms: [1] });
    p.a2 = await createAgent(server, app, { rooms: [2] });
    p.a3 = await createAgent(server, app, { rooms: [1] });
    p.a4 = await createAgent(server, app, { rooms: [1] });
    p.sup1 = await createAgent(server, app, { rooms: [1], role: 'supervisor' });
    p.sup2 = await createAgent(server, app, { rooms: [2], role: 'supervisor' });

    c.c1 = (await createChat(server, app, p.u1, { room: 1 })).id;
    await joinChat(c.c1, p.a1);
    await send(c.c1, p.u1, 'Where is my refund for order 42?');
    await send(c.c1, p.a1, 'Customer is angry about the parcel', 'agents');
    await send(c.c1, p.a1, 'Your refund was issued yesterday');
    await close(c.c1);

    c.c2 = (await createChat(server, app, p.u2, { room: 1 })).id;
    await joinChat(c.c2, p.a3);
    await joinChat(c.c2, p.a4);
    await send(c.c2, p.u2, 'My parcel never arrived');
    await send(c.c2, p.a4, 'Let me hand you over to billing');
    await expectStatus(server, 200, 'PUT', `/v1/chats/${c.c2}/leave`, {
      headers: app.as(p.a4.token),
      body: {},
    });
    await close(c.c2);

    c.c3 = (await createChat(server, app, p.u2, { room: 2 })).id;
    await joinChat(c.c3, p.a2);
    await send(c.c3, p.u2, 'Refunds take how long? Überweisung bitte');
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds chats holding every word, in any order, across messages, case-insensitive, last word as prefix', async () => {
    assert.deepEqual(await found({ q: 'order refund' }), [c.c1]);
    assert.deepEqual(await found({ q: 'REFUND   order' }), [c.c1]);
    // "order" and "issued" are in different messages of c1.
    assert.deepEqual(await found({ q: 'issued order' }), [c.c1]);
    // The last word matches as a prefix: "refund" also finds "Refunds".
    assert.deepEqual(sorted(await found({ q: 'refund' })), sorted([c.c1, c.c3]));
    assert.deepEqual(sorted(await found({ q: 'refu' })), sorted([c.c1, c.c3]));
    assert.deepEqual(await found({ q: 'refund yesterday' }), [c.c1]);
    assert.deepEqual(await found({ q: 'überweisung' }), [c.c3]);
    assert.deepEqual(await found({ q: 'refund banana' }), []);
    // A prefix only on the last word.
    assert.deepEqual(await found({ q: 'refu order' }), []);
    // Filters narrow a search.
    assert.deepEqual(await found({ q: 'refu', status: 'closed' }), [c.c1]);
    assert.deepEqual(await found({ q: 'refu', room: '2' }), [c.c3]);
    // Another app's secret finds nothing of this app.
    assert.deepEqual(await found({ q: 'refund' }, undefined, other), []);
    assert.deepEqual(sorted(await found({ q: '' })), sorted(Object.values(c)));
  });

  it('searches internal notes for staff only: never for an end user', async () => {
    assert.deepEqual(await found({ q: 'angry' }), [c.c1]);
    assert.deepEqual(await found({ q: 'angry' }, p.a1), [c.c1]);
    assert.deepEqual(await found({ q: 'angry' }, p.sup1), [c.c1]);
    assert.deepEqual(await found({ q: 'angry' }, p.u1), []);
    assert.deepEqual(await found({ q: 'angry parcel' }, p.u1), []);
    // The end user still finds its chat by what it may read.
    assert.deepEqual(await found({ q: 'issued' }, p.u1), [c.c1]);
    assert.deepEqual(await found({ q: 'parcel' }, p.u1), []);
    assert.deepEqual(await found({ q: 'parcel' }, p.u2), [c.c2]);
  });

  it('scopes by role: agents their own past chats and their rooms’ open ones, supervisors their rooms', async () => {
    const closed = { status: 'closed' };
    assert.deepEqual(sorted(await found(closed)), sorted([c.c1, c.c2]));
    // a1 took part in c1 only; c2 is of its room but not its chat.
    assert.deepEqual(await found(closed, p.a1), [c.c1]);
    assert.deepEqual(await found({ q: 'parcel' }, p.a1), [c.c1]);
    // a4 left c2 before it closed: it still took part.
    assert.deepEqual(await found(closed, p.a4), [c.c2]);
    assert.deepEqual(await found({ q: 'billing' }, p.a4), [c.c2]);
    // An agent of another room sees none of room 1, and its room's open chat.
    assert.deepEqual(await found(closed, p.a2), []);
    assert.deepEqual(await found({ q: 'parcel' }, p.a2), []);
    assert.deepEqual(await found({ q: 'refu' }, p.a2), [c.c3]);
    // The open chat of room 2 is in a1's list? No: not its room.
    assert.ok(!(await found({}, p.a1)).includes(c.c3));
    // Supervisors: every chat of their rooms.
    assert.deepEqual(sorted(await found({ q: 'parcel' }, p.sup1)), sorted([c.c1, c.c2]));
    assert.deepEqual(await found({ q: 'parcel' }, p.sup2), []);
    assert.deepEqual(await found({}, p.sup2), [c.c3]);
    // End users: their own.
    assert.deepEqual(await found({}, p.u1), [c.c1]);
    assert.deepEqual(sorted(await found({}, p.u2)), sorted([c.c2, c.c3]));
  });

  it('filters by tag, agent and time', async () => {
    await expectStatus(server, 200, 'PUT', `/v1/chats/${c.c1}`, {
      headers: app.asApp,
      body: { tags: ['billing'] },
    });
    await expectStatus(server, 200, 'PUT', `/v1/chats/${c.c2}`, {
      headers: app.asApp,
      body: { tags: ['billing', 'vip'] },
    });
    assert.deepEqual(sorted(await found({ tag: 'billing' })), sorted([c.c1, c.c2]));
    assert.deepEqual(await found({ tag: 'vip' }), [c.c2]);
    assert.deepEqual(await found({ tag: 'vip' }, p.a1), []);
    await expectStatus(server, 200, 'PUT', `/v1/chats/${c.c2}`, {
      headers: app.asApp,
      body: { tags: ['vip'] },
    });
    assert.deepEqual(await found({ tag: 'billing' }), [c.c1]);
    assert.deepEqual(await found({ agent: p.a4.id }), [c.c2]);
    assert.deepEqual(await found({ agent: p.a1.id, q: 'refund' }), [c.c1]);
    const now = Math.floor(Date.now() / 1000);
    assert.deepEqual(
      sorted(await found({ from: String(now - 3600), to: String(now + 3600) })),
      sorted(Object.values(c)),
    );
    assert.deepEqual(await found({ from: String(now + 3600) }), []);
    assert.deepEqual(await found({ to: String(now - 3600) }), []);
  });

  it('pages the results, oldest first or newest first', async () => {
    const page = async (query: Record<string, string>) =>
      (await expectStatus(server, 200, 'GET', '/v1/chats', { headers: app.asApp, query })).body;
    const first = await page({ q: 'refu', limit: '1' });
    assert.equal(first.chats.length, 1);
    assert.equal(first.chats[0].id, c.c1);
    assert.equal(typeof first.next, 'string');
    const second = await page({ q: 'refu', limit: '1', cursor: first.next });
    assert.deepEqual(
      second.chats.map((x: Json) => x.id),
      [c.c3],
    );
    assert.equal(second.next, null);
    const newest = await page({ q: 'refu', limit: '1', order: 'desc' });
    assert.equal(newest.chats[0].id, c.c3);
    const older = await page({ q: 'refu', limit: '1', order: 'desc', cursor: newest.next });
    assert.deepEqual(
      older.chats.map((x: Json) => x.id),
      [c.c1],
    );
    assert.equal(older.next, null);
  });

  it('refuses bad parameters with 400', async () => {
    const bad = async (query: Record<string, string>, who?: Person) =>
      assertError(
        await server.request('GET', '/v1/chats', { headers: who ? app.as(who.token) : app.asApp, query }),
        400,
      );
    // An empty q is no q (docs/conventions.md: "" is absent); blanks are no words.
    await bad({ q: ' - , ' });
    await bad({ q: '!!! ???' }, p.u1);
    await bad({ q: 'x'.repeat(201) });
    await bad({ q: Array.from({ length: 11 }, (_, i) => `w${i}`).join(' ') });
    await bad({ from: 'yesterday' });
    await bad({ from: '-1' });
    await bad({ from: '200', to: '100' });
    await bad({ agent: 'not an id' });
    await bad({ order: 'sideways' });
    await bad({ tag: 'x'.repeat(51) });
    // Quotes and FTS syntax are words like any other, not query syntax.
    assert.deepEqual(await found({ q: '"refund" OR NEAR(order' }), []);
    assert.deepEqual(await found({ q: "refund's" }), []);
    assert.deepEqual(await found({ q: 'order* refund' }), [c.c1]);
  });

  it('indexes what the store held before the migration (backfill)', async () => {
    await server.restart(async () => {
      if (kind === 'sqlite') {
        const db = new DatabaseSync(join(dataDir, 'switchboard.sqlite'));
        db.exec(`drop trigger messages_fts_insert; drop trigger messages_fts_delete; drop trigger messages_fts_update;
          drop table messages_fts; drop table chat_agents; drop table chat_tags;
          delete from switchboard_migrations where name = '018-search';`);
        db.close();
      } else {
        const client = new pg.Client({ connectionString: process.env.SWITCHBOARD_TEST_DATABASE_URL });
        await client.connect();
        await client.query(`set search_path to ${server.schema}`);
        await client.query(`drop index messages_search; drop table chat_agents; drop table chat_tags;
          delete from switchboard_migrations where name = '018-search';`);
        await client.end();
      }
    });
    assert.deepEqual(await found({ q: 'order refund' }), [c.c1]);
    assert.deepEqual(await found({ q: 'angry' }, p.a1), [c.c1]);
    assert.deepEqual(await found({ q: 'angry' }, p.u1), []);
    // chat_agents from the participants and from who wrote: a4 left c2 but wrote in it.
    assert.deepEqual(await found({ status: 'closed' }, p.a4), [c.c2]);
    assert.deepEqual(await found({ status: 'closed' }, p.a1), [c.c1]);
    assert.deepEqual(await found({ tag: 'vip' }), [c.c2]);
    // New messages are indexed again after the migration ran.
    await send(c.c3, p.u2, 'Kangaroo');
    assert.deepEqual(await found({ q: 'kangaroo' }), [c.c3]);
  });
});
