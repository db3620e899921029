import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/database.ts';
import { deliveryBody, fanOutBatch, planDeliveries } from '../../../src/webhooks/delivery/fanout.ts';
import { addApp, addEvent, addHook, deliveriesOf, openUnitStore, type UnitStore } from './store.ts';

/** Fan-out: event rows → one delivery per matching webhook (webhooks/delivery/fanout.ts). */
describe('webhook fan-out', () => {
  let unit: UnitStore;
  let store: Store;
  before(async () => {
    unit = await openUnitStore();
    store = unit.store;
  });
  after(() => unit.close());

  it('plans one delivery per subscribed webhook, sharing one frozen body; never chats:assign or older events', async () => {
    const appId = await addApp(store);
    const messages = await addHook(store, appId, { events: ['messages:new'] });
    const both = await addHook(store, appId, { events: ['messages:new', 'chats:close'] });
    const m1 = await addEvent(store, appId, 'messages:new', 'chat-a', { text: 'hi' });
    const late = await addHook(store, appId, { events: ['messages:new', 'chats:close'] }); // after m1
    const close = await addEvent(store, appId, 'chats:close', 'chat-a');
    const assign = await addEvent(store, appId, 'chats:assign', 'chat-a');
    const free = await addEvent(store, appId, 'messages:new', null);

    const planned = planDeliveries(appId, [m1, close, assign, free], [messages, both, late]);
    const got = planned.map(
      (p) => `${p.webhookId === messages.id ? 'm' : p.webhookId === both.id ? 'b' : 'l'}:${p.trigger}`,
    );
    assert.deepEqual(got, [
      'm:messages:new',
      'b:messages:new',
      'b:chats:close',
      'l:chats:close',
      'm:messages:new',
      'b:messages:new',
      'l:messages:new',
    ]);
    assert.ok(planned.every((p) => p.status === 'pending' && p.nextAttempt === null));
    assert.equal(planned[0]!.body, planned[1]!.body, 'one body per event, shared by its deliveries');
    assert.deepEqual(JSON.parse(planned[0]!.body), {
      trigger: 'messages:new',
      appId,
      data: { text: 'hi' },
      created_at: m1.created,
    });
    assert.equal(planned[0]!.lane, 'chat-a');
    assert.equal(planned.at(-1)!.lane, '', 'events of no chat share the empty lane');
  });

  it('refuses an event whose data column is not an object (a corrupt row), instead of sending it', async () => {
    const appId = await addApp(store);
    const event = await addEvent(store, appId, 'messages:new', 'c');
    assert.throws(() => deliveryBody({ ...event, data: '[1, 2]' }), /does not match/);
    const hook = await addHook(store, appId);
    assert.throws(() => planDeliveries(appId, [event], [{ ...hook, events: '{"x":1}' }]), /does not match/);
  });

  it('creates deliveries and moves the cursor in one go; hooks switched off by hand get none, disabled by the server still collect', async () => {
    const appId = await addApp(store);
    const on = await addHook(store, appId, { events: ['messages:new'] });
    const off = await addHook(store, appId, { events: ['messages:new'], active: 0 });
    const gone = await addHook(store, appId, {
      events: ['messages:new'],
      active: 0,
      disabledReason: 'The target answered 410 Gone',
    });
    const other = await addHook(store, appId, { events: ['chats:close'] });
    for (let i = 0; i < 3; i++) await addEvent(store, appId, 'messages:new', 'lane-1');
    await addEvent(store, appId, 'messages:new', 'lane-2');

    const result = await fanOutBatch(store, appId);
    assert.equal(result.more, false);
    assert.deepEqual(result.touched, [on.id, gone.id].sort());
    assert.equal((await deliveriesOf(store, off.id)).length, 0);
    assert.equal((await deliveriesOf(store, other.id)).length, 0);
    for (const hook of [on, gone]) {
      const rows = await deliveriesOf(store, hook.id);
      assert.equal(rows.length, 4);
      // Only the head of each lane is armed: lane-1's first, and lane-2's only delivery.
      assert.deepEqual(
        rows.map((r) => [r.lane, r.nextAttempt !== null]),
        [
          ['lane-1', true],
          ['lane-1', false],
          ['lane-1', false],
          ['lane-2', true],
        ],
      );
    }
    const cursor = await store.db
      .selectFrom('webhookCursors')
      .selectAll()
      .where('appId', '=', appId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(cursor.position), 4);
    const due = await store.db
      .selectFrom('webhooks')
      .select(['id', 'nextDue'])
      .where('id', '=', on.id)
      .executeTakeFirstOrThrow();
    assert.ok(due.nextDue !== null, 'a webhook that got deliveries is marked due');

    // Read again: nothing new, nothing doubled.
    assert.deepEqual(await fanOutBatch(store, appId), { more: false, touched: [] });
    assert.equal((await deliveriesOf(store, on.id)).length, 4);
    // A new event in a lane that still has pending deliveries waits its turn.
    await addEvent(store, appId, 'messages:new', 'lane-2');
    await fanOutBatch(store, appId);
    const lane2 = (await deliveriesOf(store, on.id)).filter((r) => r.lane === 'lane-2');
    assert.deepEqual(
      lane2.map((r) => r.nextAttempt !== null),
      [true, false],
    );
  });

  it('reads a long outbox in batches, and skips the cursor ahead when no webhook collects', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId, { events: ['messages:new'] });
    for (let i = 0; i < 205; i++) await addEvent(store, appId, 'messages:new', `c${i % 7}`);
    assert.equal((await fanOutBatch(store, appId)).more, true);
    assert.equal((await fanOutBatch(store, appId)).more, false);
    assert.equal((await deliveriesOf(store, hook.id)).length, 205);

    const quiet = await addApp(store);
    const offHook = await addHook(store, quiet, { active: 0 });
    for (let i = 0; i < 3; i++) await addEvent(store, quiet, 'messages:new', 'c');
    assert.deepEqual(await fanOutBatch(store, quiet), { more: false, touched: [] });
    const cursor = await store.db
      .selectFrom('webhookCursors')
      .selectAll()
      .where('appId', '=', quiet)
      .executeTakeFirstOrThrow();
    assert.equal(Number(cursor.position), 3);
    assert.equal((await deliveriesOf(store, offHook.id)).length, 0);
  });
});
