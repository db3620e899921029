import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorText, failureClock, judge } from '../../../src/webhooks/delivery/verdict.ts';
import type { PostResult } from '../../../src/webhooks/transport.ts';

const answer = (status: number | null, headers: Record<string, string> = {}): PostResult => ({
  status,
  headers,
  response: '',
  duration: 1,
  error: status === null ? 'ECONNREFUSED: connect refused' : null,
});

/** What an answer means: retry schedule, giving up, and the webhook's failure clock (docs/webhooks.md). */
describe('webhook verdicts and the retry schedule', () => {
  const schedule = [10, 60, 600];
  const now = 1_000_000;

  it('a 2xx is delivered and finishes the lane head; its round counts on', () => {
    assert.deepEqual(judge(answer(204), 0, schedule, now), {
      ok: true,
      error: null,
      round: 1,
      nextAttempt: null,
      finished: true,
    });
  });

  it('a failure waits the round’s step (±20 % jitter), then the next step; after the last one it gives up', () => {
    for (const [round, step] of [
      [0, 10],
      [1, 60],
      [2, 600],
    ] as const) {
      const verdict = judge(answer(500), round, schedule, now);
      assert.equal(verdict.finished, false);
      assert.equal(verdict.round, round + 1);
      const wait = verdict.nextAttempt! - now;
      assert.ok(wait >= step * 800 && wait <= step * 1200, `step ${round + 1}: waited ${wait} ms`);
    }
    const last = judge(answer(null), 3, schedule, now);
    assert.deepEqual([last.ok, last.finished, last.nextAttempt], [false, true, null]);
    assert.equal(last.error, 'ECONNREFUSED: connect refused');
  });

  it('honours Retry-After on 429/503 within [step, 2 × step], and ignores it on other statuses', () => {
    const wait = (status: number, retryAfter: string) =>
      judge(answer(status, { 'retry-after': retryAfter }), 0, schedule, now).nextAttempt! - now;
    assert.equal(wait(429, '15'), 15_000);
    assert.equal(wait(503, '3600'), 20_000, 'capped at twice the step');
    assert.equal(wait(429, '1'), 10_000, 'never sooner than the step');
    const other = wait(500, '15');
    assert.ok(other >= 8000 && other <= 12_000);
  });

  it('says what went wrong; a redirect is a failure that names its Location', () => {
    assert.equal(errorText(answer(404)), 'answered 404');
    assert.equal(
      errorText(answer(302, { location: 'http://elsewhere/' })),
      'answered 302: redirects are not followed (Location: http://elsewhere/)',
    );
    assert.equal(judge(answer(301), 0, schedule, now).ok, false);
  });

  it('the failure clock: starts at the first failure, resets on success, disables on 410 or after the window', () => {
    const day = 86_400_000;
    const clock = failureClock(null, 5 * day);
    clock.failure(500, 1000);
    clock.failure(500, 2000);
    assert.equal(clock.failingSince, 1000);
    assert.equal(clock.disable, undefined);
    clock.success();
    assert.equal(clock.failingSince, null);

    const old = failureClock(1000, 5 * day);
    old.failure(500, 1000 + 5 * 86_400 - 1);
    assert.equal(old.disable, undefined, 'not yet five days');
    old.failure(500, 1000 + 5 * 86_400);
    assert.match(
      old.disable ?? '',
      /^No delivery succeeded for 5 days \(failing since 1970-01-01T00:16:40.000Z\)$/,
    );

    const gone = failureClock(null, 5 * day);
    gone.failure(410, 5);
    assert.equal(gone.disable, 'The target answered 410 Gone');
  });
});
