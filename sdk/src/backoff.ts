export interface BackoffOptions {
  /** First delay's upper bound (ms). */
  initialMs: number;
  /** Largest delay (ms). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, initial·2ⁿ), so a crowd of clients dropped at once by a restart does not come back at once,
 * and nobody retries in a tight loop.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const cap = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
