import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../../src/store/database.ts';
import type { Completion, DeliveryContext } from '../../../src/webhooks/delivery/context.ts';
import { fanOutBatch } from '../../../src/webhooks/delivery/fanout.ts';
import { createPumps } from '../../../src/webhooks/delivery/pumps.ts';
import { recordAttempts } from '../../../src/webhooks/delivery/record-attempts.ts';
import { createRecorder } from '../../../src/webhooks/delivery/recorder.ts';
import type { PostResult } from '../../../src/webhooks/transport.ts';
import { waitFor } from '../../helpers/harness.ts';
import { type Receiver, startReceiver } from '../../helpers/receiver.ts';
import {
  addApp,
  addEvent,
  addHook,
  attemptsOf,
  deliveriesOf,
  openUnitStore,
  type UnitStore,
  unitContext,
} from './store.ts';

const answer = (status: number | null, headers: Record<string, string> = {}): PostResult => ({
  status,
  headers,
  response: status === null ? '' : '{}',
  duration: 3,
  error: status === null ? 'ECONNREFUSED: connect refused' : null,
});

/** Due deliveries of a webhook as a pump reads them, answered with `result`. */
async function completions(store: Store, webhookId: string, result: PostResult): Promise<Completion[]> {
  const rows = await store.db
    .selectFrom('webhookDeliveries')
    .select(['id', 'appId', 'eventId', 'lane', 'body', 'attempts', 'round'])
    .where('webhookId', '=', webhookId)
    .where('nextAttempt', 'is not', null)
    .where('status', '=', 'pending')
    .execute();
  return rows.map((row) => ({ row, result }));
}

/** The attempt recorder: batched writes of many pumps' answers, and nothing lost on stop. */
describe('webhook attempt recorder', () => {
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

  it('writes the answers of several webhooks handed in together in one transaction, each getting its outcome', async () => {
    const appId = await addApp(store);
    const a = await addHook(store, appId);
    const b = await addHook(store, appId);
    for (const lane of ['x', 'x', 'y']) await addEvent(store, appId, 'messages:new', lane);
    await fanOutBatch(store, appId);
    const ctx = unitContext(store);
    const batches: number[] = [];
    const recorder = createRecorder(ctx, (c: DeliveryContext, byHook) => {
      batches.push(byHook.size);
      return recordAttempts(c, byHook);
    });
    const [outA, outB] = await Promise.all([
      recorder.record(a.id, await completions(store, a.id, answer(200))),
      recorder.record(b.id, await completions(store, b.id, answer(500))),
    ]);
    await ctx.agent.close();
    assert.deepEqual(batches, [2], 'one transaction for both webhooks');
    assert.equal(outA.stop, false);
    assert.equal(outB.stop, false);
    assert.ok(outB.hook?.failingSince, 'the failing webhook’s clock started');
    const rowsA = await deliveriesOf(store, a.id);
    assert.deepEqual(
      rowsA.map((r) => [r.lane, r.status, r.nextAttempt !== null]),
      [
        ['x', 'delivered', false],
        ['x', 'pending', true], // armed by the recording: its lane's head is done
        ['y', 'delivered', false],
      ],
    );
    const rowsB = await deliveriesOf(store, b.id);
    assert.deepEqual(
      rowsB.map((r) => [r.status, r.attempts, r.lastStatus]),
      [
        ['pending', 1, 500],
        ['pending', 0, null],
        ['pending', 1, 500],
      ],
    );
    assert.equal((await attemptsOf(store, a.id)).length, 2);
    assert.equal((await attemptsOf(store, b.id)).length, 2);
  });

  it('records a stale answer (another node got there first) only in the attempt log', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId);
    await addEvent(store, appId, 'messages:new', 'x');
    await fanOutBatch(store, appId);
    const ctx = unitContext(store);
    const items = await completions(store, hook.id, answer(200));
    await recordAttempts(ctx, new Map([[hook.id, items]]));
    await recordAttempts(ctx, new Map([[hook.id, items]])); // the same answer again, attempts count moved on
    await ctx.agent.close();
    const [row] = await deliveriesOf(store, hook.id);
    assert.equal(row!.attempts, 1);
    assert.equal((await attemptsOf(store, hook.id)).length, 2);
  });

  it('disables a webhook on 410 and tells its pump to stop', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId);
    await addEvent(store, appId, 'messages:new', 'x');
    await fanOutBatch(store, appId);
    const ctx = unitContext(store);
    const outcome = await createRecorder(ctx).record(hook.id, await completions(store, hook.id, answer(410)));
    await ctx.agent.close();
    assert.equal(outcome.stop, true);
    const row = await store.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.active, 0);
    assert.equal(row.disabledReason, 'The target answered 410 Gone');
  });

  it('rejects every job of a batch whose transaction failed (they stay pending to be sent again)', async () => {
    const ctx = unitContext(store);
    const recorder = createRecorder(ctx, async () => {
      throw new Error('disk full');
    });
    const results = await Promise.allSettled([recorder.record('w1', []), recorder.record('w2', [])]);
    await ctx.agent.close();
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
  });

  it('stop waits for the answers being recorded: all of them land, the rest stay pending', async () => {
    const appId = await addApp(store);
    const hook = await addHook(store, appId, { target: `${receiver.url}/stop` });
    for (let n = 0; n < 12; n++) await addEvent(store, appId, 'messages:new', `lane-${n}`, { n });
    await fanOutBatch(store, appId);
    // Only this webhook is pumped (the earlier tests' webhooks share the store).
    await store.db.updateTable('webhooks').set({ active: 0 }).where('id', '!=', hook.id).execute();
    const ctx = unitContext(store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let writes = 0;
    const handed = new Set<string>();
    // The recording transaction is held until the test lets it go, after stop() was called.
    const recorder = createRecorder(ctx, async (c, byHook) => {
      writes++;
      for (const items of byHook.values()) for (const c of items) handed.add(c.row.id);
      await gate;
      return recordAttempts(c, byHook);
    });
    const pumps = createPumps(ctx, recorder);
    ctx.running = true;
    pumps.start();
    await waitFor(async () => writes > 0 || undefined, 10_000, 'answers handed to the recorder');
    ctx.running = false;
    ctx.stopping.abort();
    let stopped = false;
    const stopping = pumps.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(stopped, false, 'stop waits for the recording');
    release();
    await stopping;
    await recorder.idle();
    await ctx.agent.close();
    const rows = await deliveriesOf(store, hook.id);
    const delivered = rows.filter((r) => r.status === 'delivered').map((r) => r.id);
    assert.ok(handed.size > 0);
    assert.deepEqual(
      new Set(delivered),
      handed,
      'every answer handed to the recorder before the stop is written',
    );
    assert.equal((await attemptsOf(store, hook.id)).length, handed.size);
    // The rest (not sent, or answered after the stop began) stay pending, untouched, to be sent again.
    for (const row of rows.filter((r) => !handed.has(r.id)))
      assert.deepEqual([row.status, row.attempts], ['pending', 0]);
    const lease = await store.db
      .selectFrom('webhooks')
      .select('leaseOwner')
      .where('id', '=', hook.id)
      .executeTakeFirstOrThrow();
    assert.equal(lease.leaseOwner, null, 'the lease is given back');
    assert.deepEqual(ctx.errors, []);
  });
});
