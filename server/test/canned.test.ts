import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
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

describeEachStore('canned responses', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let other: TestApp;
  let ann: Person;
  let bob: Person;

  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Canned app');
    other = await createTestApp(server, 'Other app');
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: app.asApp,
      body: {
        rooms: [
          { id: 1, name: 'Sales' },
          { id: 2, name: 'Support' },
        ],
      },
    });
    ann = await createAgent(server, app, { rooms: [1] });
    bob = await createAgent(server, app, { rooms: [2] });
  });
  after(() => server.close());

  const create = (headers: Record<string, string>, body: Json, status = 201) =>
    expectStatus(server, status, 'POST', '/v1/canned', { headers, body });
  const list = async (headers: Record<string, string>, query = ''): Promise<Json[]> =>
    (await expectStatus(server, 200, 'GET', `/v1/canned${query}`, { headers })).body.canned;
  const shortcuts = (items: Json[]) => items.map((c) => c.shortcut).sort();

  it('the secret creates shared ones, an agent its own; each sees what it may', async () => {
    const shared = await create(app.asApp, {
      shortcut: 'greet',
      title: 'Greeting',
      text: 'Hello {{visitor.name}}, I am {{agent.name}}.',
    });
    const c = shared.body.canned;
    assert.deepEqual(Object.keys(c).sort(), [
      'created',
      'id',
      'ownerId',
      'shortcut',
      'text',
      'title',
      'updated',
    ]);
    assert.equal(c.ownerId, null);
    assert.ok(Number.isInteger(c.created) && c.updated === c.created);
    await create(app.asApp, { shortcut: 'sales-hi', title: 'Sales', text: 'Sales here', rooms: [1, 1] });
    const support = await create(app.asApp, {
      shortcut: 'support-hi',
      title: 'Support',
      text: 'Support here',
      rooms: [2],
    });
    assert.deepEqual(support.body.canned.rooms, [2]);
    const own = await create(app.as(ann.token), { shortcut: 'mine', title: 'Mine', text: 'Ann’s own' });
    assert.equal(own.body.canned.ownerId, ann.id);
    // Bob may use the same shortcut as Ann: unique per owner.
    await create(app.as(bob.token), { shortcut: 'mine', title: 'Bob’s', text: 'Bob’s own' });

    assert.deepEqual(shortcuts(await list(app.as(ann.token))), ['greet', 'mine', 'sales-hi']);
    const bobs = await list(app.as(bob.token));
    assert.deepEqual(shortcuts(bobs), ['greet', 'mine', 'support-hi']);
    assert.equal(bobs.find((x) => x.shortcut === 'mine')!.ownerId, bob.id);
    assert.deepEqual(shortcuts(await list(app.asApp)), ['greet', 'mine', 'mine', 'sales-hi', 'support-hi']);
  });

  it('filters by room and by words, and pages', async () => {
    assert.deepEqual(shortcuts(await list(app.asApp, '?room=2')), ['greet', 'mine', 'mine', 'support-hi']);
    assert.deepEqual(shortcuts(await list(app.as(ann.token), '?room=2')), ['greet', 'mine']);
    assert.deepEqual(shortcuts(await list(app.as(ann.token), '?q=HELLO')), ['greet']);
    assert.deepEqual(shortcuts(await list(app.as(ann.token), '?q=sales%20here')), ['sales-hi']);
    assert.deepEqual(shortcuts(await list(app.as(ann.token), '?q=%25')), []);
    const first = await expectStatus(server, 200, 'GET', '/v1/canned?limit=2', { headers: app.asApp });
    assert.equal(first.body.canned.length, 2);
    assert.equal(typeof first.body.next, 'string');
    const rest = await expectStatus(server, 200, 'GET', `/v1/canned?limit=200&cursor=${first.body.next}`, {
      headers: app.asApp,
    });
    assert.equal(rest.body.canned.length, 3);
    assert.equal(rest.body.next, null);
  });

  it('an agent edits and deletes only its own: shared ones are 403, others’ 404', async () => {
    const all = await list(app.asApp);
    const greet = all.find((c) => c.shortcut === 'greet')!;
    const support = all.find((c) => c.shortcut === 'support-hi')!;
    const bobs = all.find((c) => c.ownerId === bob.id)!;
    const anns = all.find((c) => c.ownerId === ann.id)!;
    assertError(
      await server.request('PUT', `/v1/canned/${greet.id}`, {
        headers: app.as(ann.token),
        body: { text: 'x' },
      }),
      403,
    );
    assertError(
      await server.request('DELETE', `/v1/canned/${greet.id}`, { headers: app.as(ann.token) }),
      403,
    );
    // Not of Ann's rooms, and Bob's own: not there for Ann.
    assertError(
      await server.request('PUT', `/v1/canned/${support.id}`, {
        headers: app.as(ann.token),
        body: { text: 'x' },
      }),
      404,
    );
    assertError(await server.request('DELETE', `/v1/canned/${bobs.id}`, { headers: app.as(ann.token) }), 404);
    // A plain agent may not create a shared one.
    assertError(
      await server.request('POST', '/v1/canned', {
        headers: app.as(ann.token),
        body: { shortcut: 'x', title: 'x', text: 'x', shared: true },
      }),
      403,
    );
    const edited = await expectStatus(server, 200, 'PUT', `/v1/canned/${anns.id}`, {
      headers: app.as(ann.token),
      body: { text: 'Changed', rooms: [2] },
    });
    assert.equal(edited.body.canned.text, 'Changed');
    assert.deepEqual(edited.body.canned.rooms, [2]);
    assert.ok(edited.body.canned.updated >= anns.updated);
    const cleared = await expectStatus(server, 200, 'PUT', `/v1/canned/${anns.id}`, {
      headers: app.as(ann.token),
      body: { rooms: [] },
    });
    assert.equal(cleared.body.canned.rooms, undefined);
    // The secret edits shared ones and anyone's.
    const renamed = await expectStatus(server, 200, 'PUT', `/v1/canned/${greet.id}`, {
      headers: app.asApp,
      body: { title: 'Hello' },
    });
    assert.equal(renamed.body.canned.title, 'Hello');
    assert.equal(renamed.body.canned.text, greet.text);
    await expectStatus(server, 204, 'DELETE', `/v1/canned/${bobs.id}`, { headers: app.asApp });
    await expectStatus(server, 204, 'DELETE', `/v1/canned/${anns.id}`, { headers: app.as(ann.token) });
    assert.deepEqual(shortcuts(await list(app.as(ann.token))), ['greet', 'sales-hi']);
    assertError(await server.request('DELETE', `/v1/canned/${anns.id}`, { headers: app.asApp }), 404);
  });

  it('refuses bad input with a 400 and changes nothing', async () => {
    const before = await list(app.asApp);
    for (const [body, field] of [
      [{ shortcut: 'Greet', title: 't', text: 't' }, 'shortcut'],
      [{ shortcut: '-x', title: 't', text: 't' }, 'shortcut'],
      [{ shortcut: 'a b', title: 't', text: 't' }, 'shortcut'],
      [{ shortcut: 'x'.repeat(41), title: 't', text: 't' }, 'shortcut'],
      [{ shortcut: 'ok', title: 'x'.repeat(201), text: 't' }, 'title'],
      [{ shortcut: 'ok', title: 't', text: 'x'.repeat(65537) }, 'text'],
      [{ shortcut: 'ok', title: 't' }, 'text'],
      [{ shortcut: 'ok', title: 't', text: 't', rooms: [9] }, 'rooms.0'],
      [{ shortcut: 'ok', title: 't', text: 't', rooms: ['1'] }, 'rooms'],
      [{ shortcut: 'ok', title: 't', text: 't', shared: false }, 'shared'],
    ] as const) {
      const res = await server.request('POST', '/v1/canned', { headers: app.asApp, body });
      assertError(res, 400);
      assert.ok(
        (res.body as Json).error.details.some((d: Json) => String(d.field).startsWith(field)),
        `${JSON.stringify(body)} → ${res.text}`,
      );
    }
    const greet = before.find((c) => c.shortcut === 'greet')!;
    assertError(
      await server.request('PUT', `/v1/canned/${greet.id}`, { headers: app.asApp, body: { shortcut: 'NO' } }),
      400,
    );
    assert.deepEqual(await list(app.asApp), before);
  });

  it('a taken shortcut of the same owner is a 409', async () => {
    const dup = await server.request('POST', '/v1/canned', {
      headers: app.asApp,
      body: { shortcut: 'greet', title: 'Again', text: 'Again' },
    });
    assertError(dup, 409, /greet/);
    const mine = await create(app.as(ann.token), { shortcut: 'greet', title: 'Own greet', text: 'Own' });
    await create(app.as(ann.token), { shortcut: 'bye', title: 'Bye', text: 'Bye' });
    assertError(
      await server.request('PUT', `/v1/canned/${mine.body.canned.id}`, {
        headers: app.as(ann.token),
        body: { shortcut: 'bye' },
      }),
      409,
    );
    const again = await list(app.as(ann.token), '?q=own');
    assert.equal(again.find((c) => c.id === mine.body.canned.id)!.shortcut, 'greet');
  });

  it('end users have none; another app sees nothing of this one', async () => {
    const user = await createUser(server, app);
    assertError(await server.request('GET', '/v1/canned', { headers: app.as(user.token) }), 403);
    assertError(
      await server.request('POST', '/v1/canned', {
        headers: app.as(user.token),
        body: { shortcut: 'u', title: 'u', text: 'u' },
      }),
      403,
    );
    assertError(await server.request('GET', '/v1/canned', { headers: app.asKey }), 403);
    const mine = await list(app.asApp);
    assert.ok(mine.length > 0);
    assert.deepEqual(await list(other.asApp), []);
    // The same shortcut is free in another app.
    await create(other.asApp, { shortcut: 'greet', title: 'Other', text: 'Other' });
    for (const c of mine) {
      assertError(
        await server.request('PUT', `/v1/canned/${c.id}`, {
          headers: other.asApp,
          body: { title: 'stolen' },
        }),
        404,
      );
      assertError(await server.request('DELETE', `/v1/canned/${c.id}`, { headers: other.asApp }), 404);
    }
    assert.deepEqual(await list(app.asApp), mine);
  });

  it('a supervisor manages the shared ones of rooms it supervises, an admin person all of them', async () => {
    const sue = await createAgent(server, app, { rooms: [1], role: 'supervisor' });
    const ada = await createAgent(server, app, { rooms: [2], role: 'admin' });
    const mine = await create(app.as(sue.token), {
      shortcut: 'sales-bye',
      title: 'Goodbye',
      text: 'Thanks for visiting Sales',
      rooms: [1],
      shared: true,
    });
    assert.equal(mine.body.canned.ownerId, null, 'shared, not the supervisor’s own');
    // Ann serves room 1: she sees it, and may not change it.
    assert.ok(shortcuts(await list(app.as(ann.token))).includes('sales-bye'));
    // Not for a room it does not supervise, nor for every room.
    for (const rooms of [[2], [1, 2], undefined]) {
      const before = (await list(app.asApp)).length;
      assertError(
        await server.request('POST', '/v1/canned', {
          headers: app.as(sue.token),
          body: { shortcut: 'nope', title: 'x', text: 'x', shared: true, ...(rooms ? { rooms } : {}) },
        }),
        403,
      );
      assert.equal((await list(app.asApp)).length, before, 'nothing created');
    }
    await expectStatus(server, 200, 'PUT', `/v1/canned/${mine.body.canned.id}`, {
      headers: app.as(sue.token),
      body: { text: 'Thanks for visiting Sales!' },
    });
    // An admin person acts as the app: every shared one, whatever its rooms.
    const greet = (await list(app.asApp)).find((c) => c.shortcut === 'greet')!;
    await expectStatus(server, 200, 'PUT', `/v1/canned/${greet.id}`, {
      headers: app.as(ada.token),
      body: { title: 'Greeting (edited by an admin)' },
    });
    await expectStatus(server, 204, 'DELETE', `/v1/canned/${mine.body.canned.id}`, {
      headers: app.as(ada.token),
    });
  });
});
