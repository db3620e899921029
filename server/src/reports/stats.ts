/**
 * The statistics of reports (docs/reports.md, "Definitions"). Percentiles are nearest-rank: the
 * p-th percentile of n sorted values is the value of rank ⌈p/100 · n⌉ (1-based) — always one of the
 * values, never interpolated; null when there is none.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export const ascending = (a: number, b: number): number => a - b;

/** The mean of the ratings, to two decimals; null without ratings. */
export function ratingAverage(ratings: readonly number[]): number | null {
  if (ratings.length === 0) return null;
  return Math.round((ratings.reduce((sum, r) => sum + r, 0) / ratings.length) * 100) / 100;
}

/** The share of ratings of 4 or 5, between 0 and 1 to four decimals; null without ratings. */
export function csatOf(ratings: readonly number[]): number | null {
  if (ratings.length === 0) return null;
  return Math.round((ratings.filter((r) => r >= 4).length / ratings.length) * 10_000) / 10_000;
}
