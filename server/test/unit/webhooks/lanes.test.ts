import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/database.ts';
import { fanOutBatch } from '../../../src/webhooks/delivery/fanout.ts';
import { armLanes } from '../../../src/webhooks/delivery/lanes.ts';
import { claimLease, releaseDue, releaseIdle, renewLease } from '../../../src/webhooks/delivery/pump-sql.ts';
import { createPumps } from '../../../src/webhooks/delivery/pumps.ts';
import { createRecorder } from '../../../src/webhooks/delivery/recorder.ts';
import { waitFor } from '../../helpers/harness.ts';
import { type Receiver, reply, startReceiver } from '../../helpers/receiver.ts';
import {
  addApp,
  addEvent,
  addHook,
  deliveriesOf,
  openUnitStore,
  type UnitStore,
  unitContext,
} from './store.ts';

/** Lanes and leases: one pump per webhook across nodes, one delivery out per lane, order kept. */
describe('webhook lanes and leases', () => {
  let unit: UnitStore;
  let store: Store;
  let receiver: Receiver;
  before(async () => {
    unit = await openUnitStore();
    store = unit.store;
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await unit.close();
  });

  it('lets one node claim a webhook; another takes it over only once the lease ran out', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId);
    const now = Date.now();
    const claims = await Promise.all([
      claimLease(store.db, hook.id, 'node-a', now, now + 8000),
      claimLease(store.db, hook.id, 'node-b', now, now + 8000),
      claimLease(store.db, hook.id, 'node-c', now, now + 8000),
    ]);
    assert.equal(claims.filter(Boolean).length, 1, 'exactly one claimer');
    const owner = ['node-a', 'node-b', 'node-c'][claims.indexOf(true)]!;
    const other = owner === 'node-a' ? 'node-b' : 'node-a';
    assert.equal(await renewLease(store.db, hook.id, owner, now + 9000), true);
    assert.equal(await renewLease(store.db, hook.id, other, now + 9000), false, 'only the owner renews');
    assert.equal(await claimLease(store.db, hook.id, other, now + 8999, now + 20_000), false, 'still held');
    // The owner stalls past its lease: the other node takes over, and the stale owner's renewal fails.
    assert.equal(await claimLease(store.db, hook.id, other, now + 9001, now + 20_000), true, 'taken over');
    assert.equal(await renewLease(store.db, hook.id, owner, now + 30_000), false);
    assert.equal(
      await releaseDue(store.db, hook.id, owner),
      false,
      'a lost lease is not given back by its old owner',
    );
    assert.equal(await releaseDue(store.db, hook.id, other), true);
    // A switched-off webhook cannot be claimed at all.
    await store.db.updateTable('webhooks').set({ active: 0 }).where('id', '=', hook.id).execute();
    assert.equal(await claimLease(store.db, hook.id, owner, Date.now(), Date.now() + 8000), false);
  });

  it('keeps the lease when deliveries became due while going idle (gen moved)', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId);
    const now = Date.now();
    assert.equal(await claimLease(store.db, hook.id, 'node-a', now, now + 8000), true);
    const gen = Number(hook.gen);
    await addEvent(store, appId, 'messages:new', 'c');
    await fanOutBatch(store, appId); // bumps gen
    assert.equal(await releaseIdle(store.db, hook.id, 'node-a', gen, null), false);
    assert.equal(await releaseIdle(store.db, hook.id, 'node-a', gen + 1, null), true);
  });

  it('arms only the lowest pending delivery of a lane, and none while one is armed', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId);
    for (let i = 0; i < 3; i++) await addEvent(store, appId, 'messages:new', 'lane');
    await fanOutBatch(store, appId);
    const [first, second, third] = await deliveriesOf(store, hook.id);
    await store.transaction((tx) => armLanes(tx, hook.id, ['lane'], Date.now()));
    let rows = await deliveriesOf(store, hook.id);
    assert.deepEqual(
      rows.map((r) => r.nextAttempt !== null),
      [true, false, false],
      'the head was armed already',
    );
    await store.db
      .updateTable('webhookDeliveries')
      .set({ status: 'delivered', nextAttempt: null })
      .where('id', '=', first!.id)
      .execute();
    await store.transaction((tx) => armLanes(tx, hook.id, ['lane'], Date.now()));
    rows = await deliveriesOf(store, hook.id);
    assert.deepEqual(
      rows.map((r) => [r.id, r.nextAttempt !== null]),
      [
        [first!.id, false],
        [second!.id, true],
        [third!.id, false],
      ],
    );
  });

  it('pumps a webhook with one attempt out per lane, in event order, lanes side by side', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId, { target: `${receiver.url}/ordered` });
    let out = 0;
    let most = 0;
    const seen = new Set<number>();
    receiver.handler = async (request, response) => {
      out++;
      most = Math.max(most, out);
      await new Promise((resolve) => setTimeout(resolve, 5));
      out--;
      reply(response, request.json?.data?.n % 5 === 0 && !seen.has(request.json?.data?.n) ? 500 : 200);
      seen.add(request.json?.data?.n);
    };
    const lanes = ['a', 'b', 'c'];
    for (let n = 1; n <= 30; n++)
      await addEvent(store, appId, 'messages:new', lanes[n % 3]!, { n, lane: lanes[n % 3] });
    await fanOutBatch(store, appId);
    const ctx = unitContext(store, { schedule: [0, 0, 0] });
    const pumps = createPumps(ctx, createRecorder(ctx));
    ctx.running = true;
    pumps.start();
    try {
      await waitFor(
        async () => (await deliveriesOf(store, hook.id)).every((d) => d.status === 'delivered'),
        15_000,
      );
    } finally {
      ctx.running = false;
      ctx.stopping.abort();
      await pumps.stop();
      await ctx.agent.close();
    }
    const got = receiver.received.filter((r) => r.path === '/ordered').map((r) => r.json!.data);
    for (const lane of lanes) {
      const ns = got.filter((d) => d.lane === lane).map((d) => d.n as number);
      // Every n once, a failed one (n % 5 === 0) again right after itself, never overtaken by a later one.
      const order = ns.filter((n, i) => ns[i - 1] !== n);
      assert.deepEqual(
        order,
        [...order].sort((x, y) => x - y),
        `lane ${lane} in order: ${ns.join(',')}`,
      );
      assert.equal(order.length, 10);
    }
    assert.ok(most >= 2, 'lanes go side by side');
    assert.ok(most <= lanes.length, 'never two attempts out in one lane');
    assert.deepEqual(ctx.errors, []);
  });
});
