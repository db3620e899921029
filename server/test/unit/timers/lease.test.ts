import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { holdLease, pause, poller, wakeable } from '../../../src/timers/lease.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lease/poll helper (timers/lease.ts): wake-ups, idle back-off, leases, clean stops. */
describe('lease/poll helper', () => {
  it('runs a pass at start and at once on a wake; a wake during a pass runs exactly one more after it', async () => {
    let passes = 0;
    let release!: () => void;
    let gate: Promise<void> | undefined;
    const p = poller({
      async pass() {
        passes++;
        if (gate) await gate;
      },
      onError: assert.fail,
    });
    p.start();
    await sleep(5);
    assert.equal(passes, 1);
    p.wake();
    await sleep(5);
    assert.equal(passes, 2);
    gate = new Promise((resolve) => {
      release = resolve;
    });
    p.wake();
    p.wake();
    p.wake(); // three wakes during the pass…
    await sleep(5);
    assert.equal(passes, 3, 'passes never overlap');
    gate = undefined;
    release();
    await sleep(10);
    assert.equal(passes, 4, '…are one more pass after it');
    await p.stop();
  });

  it('backs off when idle: a pass every idleMs, no more; a planned time comes sooner, never later', async () => {
    let passes = 0;
    const p = poller({
      idleMs: 60,
      async pass() {
        passes++;
      },
      onError: assert.fail,
    });
    p.start();
    await sleep(330);
    assert.ok(passes >= 4 && passes <= 7, `${passes} passes in 330 ms at 60 ms idle`);
    // A pass planned in 20 ms fires then; one planned later than the next poll changes nothing.
    await sleep(5);
    const before = passes;
    p.wake(Date.now() + 10_000);
    p.wake(Date.now() + 20);
    await sleep(35);
    assert.ok(passes >= before + 1, 'the planned pass ran');
    await p.stop();
    const after = passes;
    await sleep(150);
    assert.equal(passes, after, 'no pass after stop');
  });

  it('plans the next pass when the pass says work is next due', async () => {
    const times: number[] = [];
    const start = Date.now();
    const p = poller({
      idleMs: 1000,
      async pass() {
        times.push(Date.now() - start);
        return times.length === 1 ? Date.now() + 40 : undefined;
      },
      onError: assert.fail,
    });
    p.start();
    await sleep(120);
    await p.stop();
    assert.equal(times.length, 2);
    assert.ok(times[1]! >= 35 && times[1]! < 110, `second pass at ${times[1]} ms`);
  });

  it('reports a failing pass and keeps polling', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    const p = poller({
      idleMs: 20,
      async pass() {
        passes++;
        throw new Error('store away');
      },
      onError: (error) => errors.push(error),
    });
    p.start();
    await sleep(70);
    await p.stop();
    assert.ok(passes >= 2);
    assert.equal(errors.length, passes);
  });

  it('stop while a pass runs waits for it, and plans nothing after', async () => {
    let finished = false;
    let passes = 0;
    const p = poller({
      idleMs: 10,
      async pass() {
        passes++;
        await sleep(50);
        finished = true;
      },
      onError: assert.fail,
    });
    p.start();
    await sleep(5);
    p.wake();
    await p.stop();
    assert.equal(finished, true, 'stop resolved after the running pass');
    assert.equal(p.running, false);
    await sleep(40);
    assert.equal(passes, 1, 'the wake during the pass did not run after stop');
  });

  it('holdLease renews only every renewMs, reports a lost lease, and gives it back once', async () => {
    const renewals: number[] = [];
    let ours = true;
    const lease = holdLease({
      leaseMs: 400,
      renew: async (until) => {
        renewals.push(until);
        return ours;
      },
    });
    const t0 = Date.now();
    assert.equal(await lease.keep(t0 + 50), true);
    assert.equal(renewals.length, 0, 'not before a quarter of the lease');
    assert.equal(await lease.keep(t0 + 100), true);
    assert.deepEqual(renewals, [t0 + 500]);
    assert.equal(await lease.keep(t0 + 150), true);
    assert.equal(renewals.length, 1);
    ours = false;
    assert.equal(await lease.keep(t0 + 200), false, 'taken over');
    assert.equal(lease.held, false);
    let gaveBack = 0;
    assert.equal(await lease.release(async () => ++gaveBack > 0), false, 'a lost lease is not given back');
    assert.equal(gaveBack, 0);

    const other = holdLease({ leaseMs: 400, renew: async () => true });
    assert.equal(
      await other.release(async () => false),
      false,
      'kept when the statement did not give it back',
    );
    assert.equal(other.held, true);
    assert.equal(await other.release(async () => true), true);
    assert.equal(other.held, false);
  });

  it('a wake cuts a sleep short, or makes the next sleep return at once; pause ends on abort', async () => {
    const w = wakeable();
    let t = Date.now();
    setTimeout(() => w.wake(), 20);
    await w.sleep(5000);
    assert.ok(Date.now() - t < 1000);
    w.wake();
    t = Date.now();
    await w.sleep(5000);
    assert.ok(Date.now() - t < 50, 'an early wake is not lost');
    t = Date.now();
    await w.sleep(30);
    assert.ok(Date.now() - t >= 25, 'one wake, one early return');

    const stop = new AbortController();
    t = Date.now();
    setTimeout(() => stop.abort(), 20);
    await pause(5000, stop.signal);
    assert.ok(Date.now() - t < 1000);
    t = Date.now();
    await pause(5000, stop.signal);
    assert.ok(Date.now() - t < 50, 'already stopping: no wait');
  });
});
