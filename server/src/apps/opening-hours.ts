import { minutesOf, WEEKDAYS, type WorkTimetable } from './timetable.ts';

/**
 * Whether a room is open at an instant, when it closes and when it next opens, in the timetable's
 * time zone with its daylight saving rules (docs/routing.md, "Opening hours"). Computed with Intl
 * (the ICU data Node ships), so no time zone library: a wall-clock time is turned into an instant by
 * asking Intl for the zone's offset around it.
 */

export interface RoomStatus {
  open: boolean;
  /** Unix seconds: the end of the current opening (null when closed, or open past the horizon). */
  closesAt: number | null;
  /** Unix seconds: the start of the next opening (null when open, or never within the horizon). */
  nextOpen: number | null;
}

const ALWAYS_OPEN: RoomStatus = { open: true, closesAt: null, nextOpen: null };
/** How far ahead openings are looked for: a year of holidays and then some. */
const HORIZON_DAYS = 400;

/** One formatter per zone: building one is far slower than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= 500) formatters.clear();
    formatters.set(zone, format);
  }
  return format;
}

/** The wall clock of `zone` at `ms`, read back as if it were UTC (ms). */
function wallOf(zone: string, ms: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(zone).formatToParts(ms)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The zone's offset from UTC at `ms` (ms). */
function offsetAt(zone: string, ms: number): number {
  return wallOf(zone, ms) - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant of a wall-clock time (given as if it were UTC). A time skipped by a spring-forward
 * (02:30 in Madrid on the last Sunday of March) becomes the instant the clocks jumped past it; a time
 * that happens twice in autumn, its later occurrence.
 */
export function instantOf(zone: string, wall: number): number {
  const first = wall - offsetAt(zone, wall);
  const offset = offsetAt(zone, first);
  return wall - offset;
}

interface Opening {
  start: number;
  end: number;
}

/** Every opening of one local day (a `Date.UTC` midnight), in order; none on a holiday. */
function openingsOfDay(
  timetable: WorkTimetable,
  week: WorkTimetable['weeks'][number],
  holidays: ReadonlySet<string>,
  day: number,
): Opening[] {
  if (holidays.has(new Date(day).toISOString().slice(0, 10))) return [];
  const ranges = week[WEEKDAYS[new Date(day).getUTCDay()]!] ?? [];
  return ranges
    .map((range) => ({
      start: instantOf(timetable.timezone, day + minutesOf(range.from) * 60_000),
      end: instantOf(timetable.timezone, day + minutesOf(range.to) * 60_000),
    }))
    .sort((a, b) => a.start - b.start);
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** The room's status at `now` (ms). A room with no week is always open. */
export function roomStatus(timetable: WorkTimetable, roomId: number, now: number): RoomStatus {
  const week = timetable.weeks.find((w) => w.queueId === roomId);
  if (!week) return ALWAYS_OPEN;
  const holidays = new Set(timetable.holidays.find((h) => h.queueId === roomId)?.days ?? []);
  const wall = wallOf(timetable.timezone, now);
  const today = wall - (((wall % 86_400_000) + 86_400_000) % 86_400_000);
  // Openings merged across midnight (Monday 22:00–24:00 and Tuesday 00:00–02:00 are one), from
  // yesterday on, since yesterday's last range may still be running.
  let current: Opening | undefined;
  for (let k = -1; k <= HORIZON_DAYS; k++) {
    for (const next of openingsOfDay(timetable, week, holidays, today + k * 86_400_000)) {
      if (current && next.start <= current.end) {
        current.end = Math.max(current.end, next.end);
        continue;
      }
      const found = verdict(current, now);
      if (found) return found;
      current = { ...next };
    }
  }
  if (current && current.start > now)
    return { open: false, closesAt: null, nextOpen: seconds(current.start) };
  // Still open at the horizon: it closes too far ahead to say (a room open around the clock).
  if (current && now < current.end) return ALWAYS_OPEN;
  return { open: false, closesAt: null, nextOpen: null };
}

/** What a finished (merged) opening says about `now`, if anything. */
function verdict(opening: Opening | undefined, now: number): RoomStatus | undefined {
  if (!opening) return undefined;
  if (opening.start <= now && now < opening.end)
    return { open: true, closesAt: seconds(opening.end), nextOpen: null };
  if (opening.start > now) return { open: false, closesAt: null, nextOpen: seconds(opening.start) };
  return undefined;
}
