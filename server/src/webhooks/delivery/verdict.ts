import { nextRetryDelay } from '../retry.ts';
import type { PostResult } from '../transport.ts';

/**
 * What an answer means (docs/webhooks.md), without touching the store: for the delivery, delivered, retried
 * later or given up; for its webhook, the failure clock (410 and five days without a success disable it).
 */

export function succeeded(result: PostResult): boolean {
  return result.status !== null && result.status >= 200 && result.status <= 299;
}

/** The attempt log's error text of an answer; null for a success. */
export function errorText(result: PostResult): string | null {
  if (result.error) return result.error;
  const status = result.status!;
  if (status >= 200 && status <= 299) return null;
  if (status >= 300 && status <= 399) {
    const location = result.headers.location;
    return `answered ${status}: redirects are not followed${location ? ` (Location: ${location})` : ''}`;
  }
  return `answered ${status}`;
}

export interface Verdict {
  ok: boolean;
  error: string | null;
  /** Failed attempts in this round so far, this one included (the retry schedule's step). */
  round: number;
  /** When to try again (ms); null when delivered or given up. */
  nextAttempt: number | null;
  /** Delivered or given up: the lane's next delivery may go. */
  finished: boolean;
}

/** Judges one answer of a delivery that had `round` answers in its round before. */
export function judge(result: PostResult, round: number, schedule: readonly number[], now: number): Verdict {
  const ok = succeeded(result);
  const error = errorText(result);
  const next = round + 1;
  if (ok) return { ok, error, round: next, nextAttempt: null, finished: true };
  const delay = nextRetryDelay(schedule, next, result.status, result.headers['retry-after']);
  if (delay === undefined) return { ok, error, round: next, nextAttempt: null, finished: true };
  return { ok, error, round: next, nextAttempt: now + delay, finished: false };
}

/** A webhook's failure clock over a batch of answers (in the order they came). */
export interface FailureClock {
  /** Unix seconds of the first failure since the last success; null after a success. */
  readonly failingSince: number | null;
  /** Why the webhook is to be disabled, once it is. */
  readonly disable: string | undefined;
  success(): void;
  failure(status: number | null, nowS: number): void;
}

export function failureClock(failingSince: number | null, autoDisableMs: number): FailureClock {
  let since = failingSince;
  let disable: string | undefined;
  return {
    get failingSince() {
      return since;
    },
    get disable() {
      return disable;
    },
    success() {
      since = null;
    },
    failure(status, nowS) {
      if (status === 410) disable ??= 'The target answered 410 Gone';
      const first = since ?? nowS;
      since = first;
      if (!disable && (nowS - first) * 1000 >= autoDisableMs) {
        disable = `No delivery succeeded for ${Math.round(autoDisableMs / 86400000)} days (failing since ${new Date(first * 1000).toISOString()})`;
      }
    },
  };
}
