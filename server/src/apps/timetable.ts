import { type Static, Type } from '@sinclair/typebox';
import { int } from '../limits/ranges.ts';
import { invalidField } from '../util/errors.ts';
import type { Settings } from './settings.ts';

/**
 * An app's opening hours, HyperChat's "work timetable" (docs/routing.md, "Opening hours"): a time zone,
 * weekly ranges per room (`queueId` = the room id) and holidays per room. Validated here; what it means
 * at a given instant is computed by `opening-hours.ts`.
 */

export const WEEKDAYS = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM", 00:00–23:59, and "24:00" for the end of the day. */
const Clock = Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' });
export const TimeRange = Type.Object({ from: Clock, to: Clock });
export type TimeRange = Static<typeof TimeRange>;
const DayRanges = Type.Array(TimeRange, { maxItems: 48 });

export const WeekSchedule = Type.Object({
  queueId: int('roomId'),
  Monday: Type.Optional(DayRanges),
  Tuesday: Type.Optional(DayRanges),
  Wednesday: Type.Optional(DayRanges),
  Thursday: Type.Optional(DayRanges),
  Friday: Type.Optional(DayRanges),
  Saturday: Type.Optional(DayRanges),
  Sunday: Type.Optional(DayRanges),
});
export type WeekSchedule = Static<typeof WeekSchedule>;

export const Holidays = Type.Object({
  queueId: int('roomId'),
  days: Type.Array(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }), { maxItems: 1000 }),
});
export type Holidays = Static<typeof Holidays>;

export const WorkTimetable = Type.Object({
  timezone: Type.String({ minLength: 1, maxLength: 64 }),
  weeks: Type.Array(WeekSchedule, { maxItems: 1000 }),
  holidays: Type.Array(Holidays, { maxItems: 1000 }),
});
export type WorkTimetable = Static<typeof WorkTimetable>;

/** An app that never set one: UTC, and every room always open (a room with no week is always open). */
export function defaultTimetable(): WorkTimetable {
  return { timezone: 'UTC', weeks: [], holidays: [] };
}

/** Whether `zone` is an IANA time zone name this server's Intl knows (offsets like "+01:00" are not). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function minutesOf(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

function isCalendarDay(day: string): boolean {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function checkDay(field: string, ranges: TimeRange[]): void {
  const sorted = ranges
    .map((range, i) => ({ from: minutesOf(range.from), to: minutesOf(range.to), i }))
    .sort((a, b) => a.from - b.from);
  for (const range of sorted) {
    if (range.from >= range.to) throw invalidField(`${field}.${range.i}.to`, 'must be later than from');
  }
  for (let k = 1; k < sorted.length; k++) {
    // Touching ranges (12:00–14:00 after 09:00–12:00) do not overlap; they are one opening.
    if (sorted[k]!.from < sorted[k - 1]!.to)
      throw invalidField(`${field}.${sorted[k]!.i}`, 'overlaps another range of the day');
  }
}

/** The checks a schema cannot make: a real zone, known rooms once each, ranges in order, real dates. */
export function checkTimetable(timetable: WorkTimetable, settings: Settings): WorkTimetable {
  if (!isTimeZone(timetable.timezone)) throw invalidField('timezone', 'must be an IANA time zone');
  const rooms = new Set(settings.rooms.map((room) => room.id));
  const checkRooms = (list: { queueId: number }[], name: string) => {
    const seen = new Set<number>();
    list.forEach(({ queueId }, i) => {
      if (!rooms.has(queueId)) throw invalidField(`${name}.${i}.queueId`, `unknown room ${queueId}`);
      if (seen.has(queueId)) throw invalidField(`${name}.${i}.queueId`, `room ${queueId} is listed twice`);
      seen.add(queueId);
    });
  };
  checkRooms(timetable.weeks, 'weeks');
  checkRooms(timetable.holidays, 'holidays');
  timetable.weeks.forEach((week, i) => {
    for (const day of WEEKDAYS) checkDay(`weeks.${i}.${day}`, week[day] ?? []);
  });
  timetable.holidays.forEach((holidays, i) => {
    holidays.days.forEach((day, k) => {
      if (!isCalendarDay(day)) throw invalidField(`holidays.${i}.days.${k}`, 'must be a date YYYY-MM-DD');
    });
  });
  return timetable;
}
