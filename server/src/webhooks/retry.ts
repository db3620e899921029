/**
 * The retry policy (docs/webhooks.md): after the n-th failed attempt of a round, wait `schedule[n-1]` seconds
 * (±20 % jitter, so a burst of failures does not come back as a burst); after the last step, give up.
 * A `Retry-After` on 429/503 is honoured, but kept within [step, 2 × step] so a receiver can neither
 * hurry the schedule nor park a delivery for ever.
 */
export const JITTER = 0.2;

/** Milliseconds `Retry-After` asks for (delta-seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export function jittered(stepMs: number, random = Math.random()): number {
  return Math.round(stepMs * (1 - JITTER + 2 * JITTER * random));
}

/**
 * Milliseconds until the next attempt after the `failedInRound`-th failure of a round (1-based), or
 * undefined when the schedule is used up and the delivery has failed for good.
 */
export function nextRetryDelay(
  schedule: readonly number[],
  failedInRound: number,
  status: number | null,
  retryAfter: string | undefined,
): number | undefined {
  const step = schedule[failedInRound - 1];
  if (step === undefined) return undefined;
  const stepMs = step * 1000;
  if (status === 429 || status === 503) {
    const asked = retryAfterMs(retryAfter);
    if (asked !== undefined) return Math.min(Math.max(asked, stepMs), 2 * stepMs);
  }
  return jittered(stepMs);
}
