import type { ChatsReport } from '../lib/sdk.ts';

/** Pure helpers of the Reports tab: dates of the range, bucket labels, durations and the charts' summaries. */

export type Interval = 'hour' | 'day' | 'week';
type Bucket = ChatsReport['series'][number];

/** `YYYY-MM-DD` of a local date, `days` from today. */
export function isoDay(days = 0, now = new Date()): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Unix seconds of local midnight of a `YYYY-MM-DD` day, `plusDays` later (the end of a range: the day after). */
export function midnight(day: string, plusDays = 0): number {
  const [y, m, d] = day.split('-').map(Number);
  return Math.floor(new Date(y!, m! - 1, d! + plusDays).getTime() / 1000);
}

export function bucketLabel(start: number, interval: Interval, tz: string): string {
  const options: Intl.DateTimeFormatOptions =
    interval === 'hour'
      ? { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: tz }
      : { day: 'numeric', month: 'short', timeZone: tz };
  return new Intl.DateTimeFormat('en-GB', options).format(new Date(start * 1000));
}

/** `1m 05s`, `2h 10m`, `45s`; an em dash for nothing. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export const count = (n: number): string => n.toLocaleString('en-GB');
export const percent = (share: number | null): string =>
  share === null ? '—' : `${Math.round(share * 100)}%`;

/** The bucket with the largest value of `pick` (the first of equals), or undefined when all are 0/null. */
function peak(series: Bucket[], pick: (b: Bucket) => number | null): Bucket | undefined {
  let best: Bucket | undefined;
  for (const b of series) {
    const v = pick(b);
    if (v !== null && v > 0 && (best === undefined || v > (pick(best) ?? 0))) best = b;
  }
  return best;
}

export interface Summaries {
  volume: string;
  speed: string;
  misses: string;
  csat: string;
}

/** One sentence per chart: what a sighted reader takes from it at a glance. */
export function summaries(report: ChatsReport, interval: Interval, tz: string): Summaries {
  const { series, totals } = report;
  const per = `per ${interval}`;
  const label = (b: Bucket) => bucketLabel(b.start, interval, tz);
  const range = series.length > 0 ? ` from ${label(series[0]!)} to ${label(series[series.length - 1]!)}` : '';
  const busiest = peak(series, (b) => b.chats);
  const slowest = peak(series, (b) => b.waitP50);
  const mostMissed = peak(series, (b) => b.missed);
  return {
    volume:
      `Chats ${per}${range}: ${count(totals.chats)} in total, ${count(totals.answered)} answered` +
      (busiest ? `; busiest ${label(busiest)} with ${count(busiest.chats)}.` : '.'),
    speed:
      totals.waitP50 === null
        ? `Wait and first response ${per}: no chat was answered in this range.`
        : `Wait and first response ${per}: median wait ${duration(totals.waitP50)} (90th percentile ${duration(totals.waitP90)}), median first response ${duration(totals.firstResponseP50)}` +
          (slowest ? `; slowest ${label(slowest)} with a median wait of ${duration(slowest.waitP50)}.` : '.'),
    misses:
      `Missed and abandoned chats ${per}: ${count(totals.missed)} missed and ${count(totals.abandoned)} abandoned in total` +
      (mostMissed ? `; most missed ${label(mostMissed)} with ${count(mostMissed.missed)}.` : '.'),
    csat:
      totals.ratings === 0
        ? `Satisfaction ${per}: no ratings in this range.`
        : `Satisfaction ${per}: CSAT ${percent(totals.csat)} from ${count(totals.ratings)} ratings, average rating ${totals.ratingAvg} of 5.`,
  };
}
