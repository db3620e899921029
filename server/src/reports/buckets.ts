import { badRequest } from '../util/errors.ts';

/**
 * Time buckets in an IANA time zone (docs/reports.md, "Buckets"). Local wall times are read and made
 * with Intl (the zone's own rules, daylight saving included), never a fixed offset: a day bucket
 * across a change of the clocks lasts 23 or 25 hours, a week starts on Monday at local midnight.
 */
export type Interval = 'hour' | 'day' | 'week';

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** A zone's clock: wall time of an instant, and the instant of a wall time. */
export interface Zone {
  wall(seconds: number): WallTime;
  /** The instant (Unix seconds) the zone's clocks show this date and hour (the earlier one if twice). */
  instant(year: number, month: number, day: number, hour?: number): number;
}

/** The zone named `tz`, or a 400 naming it when Intl does not know it. */
export function zoneOf(tz: string): Zone {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
  } catch {
    throw badRequest(`tz must be an IANA time zone such as Europe/Madrid (got ${JSON.stringify(tz)})`);
  }
  const wall = (seconds: number): WallTime => {
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(new Date(seconds * 1000))) parts[part.type] = part.value;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      second: Number(parts.second),
      weekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 1,
    };
  };
  /** Seconds the zone's clocks are ahead of UTC at an instant. */
  const offset = (seconds: number): number => {
    const w = wall(seconds);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) / 1000 - seconds;
  };
  return {
    wall,
    instant(year, month, day, hour = 0) {
      const asUtc = Date.UTC(year, month - 1, day, hour) / 1000;
      // Two candidates, from the offsets either side of a change; the earlier that shows this wall time.
      const first = asUtc - offset(asUtc - 86_400);
      const second = asUtc - offset(asUtc + 86_400);
      const candidates = [Math.min(first, second), Math.max(first, second)];
      for (const t of candidates) if (asUtc - offset(t) === t) return t;
      // The wall time does not exist (skipped by a change): the instant the clocks jumped past it.
      return candidates[1]!;
    },
  };
}

/** The start of the bucket holding `seconds`. */
export function bucketStart(zone: Zone, interval: Interval, seconds: number): number {
  const w = zone.wall(seconds);
  if (interval === 'hour') return seconds - w.minute * 60 - w.second;
  const back = interval === 'week' ? w.weekday - 1 : 0;
  return zone.instant(w.year, w.month, w.day - back);
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(zone: Zone, interval: Interval, start: number): number {
  if (interval === 'hour') return start + 3600;
  const w = zone.wall(start);
  return zone.instant(w.year, w.month, w.day + (interval === 'week' ? 7 : 1));
}

/** Bucket starts covering [from, to): the first holds `from`. */
export function bucketStarts(zone: Zone, interval: Interval, from: number, to: number): number[] {
  const starts: number[] = [];
  for (let start = bucketStart(zone, interval, from); start < to; start = nextBucket(zone, interval, start)) {
    starts.push(start);
  }
  return starts;
}
