import assert from 'node:assert/strict';
import { it } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF } from '../src/backoff.ts';

/** Reconnection delays: doubling up to the cap, each between half and all of its step. */
it('backoff doubles from 0.5 s to 30 s with equal jitter', () => {
  const low = (n: number) => backoffDelay(n, DEFAULT_BACKOFF, () => 0);
  const high = (n: number) => backoffDelay(n, DEFAULT_BACKOFF, () => 1);
  assert.deepEqual([0, 1, 2, 3].map(high), [500, 1000, 2000, 4000]);
  assert.deepEqual([0, 1, 2, 3].map(low), [250, 500, 1000, 2000]);
  assert.equal(high(10), 30_000);
  assert.equal(low(50), 15_000, 'capped, and never below half the cap');
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4, DEFAULT_BACKOFF)));
  assert.ok(spread.size > 10, 'random within the step');
  for (const delay of spread) assert.ok(delay >= 4000 && delay <= 8000, String(delay));
});
