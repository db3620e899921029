import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { createMemoryBus } from '../../../src/events/bus.ts';
import { commitChange } from '../../../src/events/commit.ts';
import type { Store, Tx } from '../../../src/store/database.ts';
import type { TimerRow } from '../../../src/store/schema.ts';
import { createTimerWorker, scheduleTimer, timerPayload } from '../../../src/timers/timers.ts';
import { addApp, openUnitStore, type UnitStore } from '../webhooks/store.ts';

/** Durable timers on the lease/poll helper: the in-memory wake-up, retries, and checked payloads. */
describe('durable timers', () => {
  let unit: UnitStore;
  let store: Store;
  let appId: string;
  before(async () => {
    unit = await openUnitStore();
    store = unit.store;
    appId = await addApp(store);
  });
  after(() => unit.close());
  /** Timers are set inside a change's transaction (commitChange), which wakes workers after commit. */
  const change = (work: (tx: Tx) => Promise<void>) =>
    commitChange({ store, bus: createMemoryBus(() => {}) }, appId, work);

  it('a timer scheduled in a transaction fires soon after commit (woken, not polled), once', async () => {
    const fired: TimerRow[] = [];
    const worker = createTimerWorker(store, assert.fail);
    worker.register('unit', async (timer) => {
      fired.push(timer);
    });
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first pass found nothing
    const at = Date.now();
    await change((tx) => scheduleTimer(tx, { kind: 'unit', ref: 'r1', appId, due: at, payload: { n: 1 } }));
    while (fired.length === 0 && Date.now() - at < 2000)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const latency = Date.now() - at;
    await new Promise((resolve) => setTimeout(resolve, 100));
    await worker.stop();
    assert.equal(fired.length, 1);
    assert.ok(latency < 500, `fired after ${latency} ms (the idle poll is 1000 ms)`);
    assert.equal(
      (await store.db.selectFrom('timers').selectAll().where('ref', '=', 'r1').execute()).length,
      0,
    );
  });

  it('a failing handler is reported and its timer rescheduled with a back-off', async () => {
    const errors: string[] = [];
    const worker = createTimerWorker(store, (error, timer) =>
      errors.push(`${timer.ref}: ${(error as Error).message}`),
    );
    worker.register('flaky', async () => {
      throw new Error('not now');
    });
    await change((tx) => scheduleTimer(tx, { kind: 'flaky', ref: 'r2', appId, due: Date.now() }));
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(errors, ['r2: not now']);
    const row = await store.db
      .selectFrom('timers')
      .selectAll()
      .where('ref', '=', 'r2')
      .executeTakeFirstOrThrow();
    assert.equal(row.claimedUntil, null);
    assert.ok(row.due > Date.now() + 1000, 'due again after the back-off');
    assert.equal(await worker.runDue(), 0, 'not due meanwhile');
  });

  it('timerPayload decodes a kind’s payload checked, and refuses one of the wrong shape', () => {
    const jump = timerPayload('jump', Type.Object({ loopId: Type.Optional(Type.String()) }));
    const row = (payload: string): TimerRow => ({
      kind: 'jump',
      ref: 'c',
      appId,
      due: 0,
      claimedUntil: null,
      payload,
      attempts: 0,
    });
    assert.deepEqual(jump(row('{"loopId":"L1"}')), { loopId: 'L1' });
    assert.deepEqual(jump(row('{}')), {});
    assert.throws(() => jump(row('{"loopId":7}')), /payload of timer jump does not match/);
  });
});
