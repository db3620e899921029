import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from 'kysely';
import { createMemoryBus } from '../../../src/events/bus.ts';
import { commitChange } from '../../../src/events/commit.ts';
import type { Store, Tx } from '../../../src/store/database.ts';
import type { TimerRow } from '../../../src/store/schema.ts';
import { createTimerWorker, scheduleTimer } from '../../../src/timers/timers.ts';
import { addApp, openUnitStore, type UnitStore } from '../webhooks/store.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the claim statements a worker runs (one per pass of its poller, when nothing is claimed). */
function countingStore(store: Store): { store: Store; claims(): number } {
  let claims = 0;
  const plugin: KyselyPlugin = {
    transformQuery(args: PluginTransformQueryArgs) {
      const node = args.node;
      if (node.kind === 'RawNode' && node.sqlFragments.join('').includes('update timers set claimed_until'))
        claims++;
      return node;
    },
    async transformResult(args: PluginTransformResultArgs) {
      return args.result;
    },
  };
  const db = store.db.withPlugin(plugin);
  return {
    store: {
      db,
      dialect: store.dialect,
      transaction: (work) => store.transaction(work),
      close: () => store.close(),
    },
    claims: () => claims,
  };
}

/** Claims of durable timers: renewed while the handler runs, lost to another node, and no busy polling. */
describe('timer claims', () => {
  let unit: UnitStore;
  let store: Store;
  let appId: string;
  before(async () => {
    unit = await openUnitStore();
    store = unit.store;
    appId = await addApp(store);
  });
  after(() => unit.close());
  const change = (work: (tx: Tx) => Promise<void>) =>
    commitChange({ store, bus: createMemoryBus(() => {}) }, appId, work);
  const row = (ref: string) =>
    store.db.selectFrom('timers').selectAll().where('ref', '=', ref).executeTakeFirst();

  it('does not poll in a loop while a claimed timer is overdue', async () => {
    const counted = countingStore(store);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const worker = createTimerWorker(counted.store, assert.fail, { leaseMs: 10_000 });
    worker.register('held', async () => {
      started = true;
      await gate;
    });
    await change((tx) => scheduleTimer(tx, { kind: 'held', ref: 'busy', appId, due: Date.now() - 1000 }));
    worker.start();
    while (!started) await sleep(5);
    const before = counted.claims();
    await sleep(700);
    const passes = counted.claims() - before;
    release();
    await worker.stop();
    // Planned from the claim's end (10 s) and capped by the 1 s idle poll: at most one pass here.
    // Planning from the overdue due time instead ran a pass per turn of the event loop (hundreds).
    assert.ok(passes <= 2, `${passes} claim passes in 700 ms while the only timer was claimed`);
    assert.equal(await row('busy'), undefined, 'removed once its handler finished');
  });

  it('renews the claim while the handler runs: another node does not run it again', async () => {
    const fired: string[] = [];
    const slow = createTimerWorker(store, assert.fail, { leaseMs: 600 });
    slow.register('long', async (timer) => {
      fired.push(`slow ${timer.ref}`);
      await sleep(1500); // 2.5 leases
    });
    const other = createTimerWorker(store, assert.fail, { leaseMs: 600 });
    other.register('long', async (timer) => {
      fired.push(`other ${timer.ref}`);
    });
    await change((tx) => scheduleTimer(tx, { kind: 'long', ref: 'kept', appId, due: Date.now() }));
    const running = slow.runDue();
    const deadline = Date.now() + 1400;
    while (Date.now() < deadline) {
      await other.runDue();
      await sleep(50);
    }
    assert.equal(await running, 1);
    assert.deepEqual(fired, ['slow kept']);
    assert.equal(await row('kept'), undefined);
  });

  it('a renewal that finds another claim reports it and leaves that claim alone', async () => {
    const lost: TimerRow[] = [];
    let claimed = false;
    const worker = createTimerWorker(store, assert.fail, {
      leaseMs: 600,
      onLost: (timer) => lost.push(timer),
    });
    worker.register('stolen', async () => {
      claimed = true;
      await sleep(800);
    });
    await change((tx) => scheduleTimer(tx, { kind: 'stolen', ref: 'taken', appId, due: Date.now() }));
    const running = worker.runDue();
    while (!claimed) await sleep(5);
    // Another node's claim (as if this one had stalled past its lease).
    const theirs = Date.now() + 60_000;
    await store.db.updateTable('timers').set({ claimedUntil: theirs }).where('ref', '=', 'taken').execute();
    await running;
    assert.deepEqual(
      lost.map((t) => t.ref),
      ['taken'],
    );
    assert.equal((await row('taken'))?.claimedUntil, theirs, 'the other claim stays');
  });
});
