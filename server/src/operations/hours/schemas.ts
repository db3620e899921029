import { Type } from '@sinclair/typebox';
import { WorkTimetable } from '../../apps/timetable.ts';

/** The timetable itself, as HyperChat answers it (no wrapping object). */
export const TimetableResponse = WorkTimetable;

/** `PUT /settings/work-timetable` replaces the whole timetable; weeks and holidays default to none. */
export const TimetableBody = Type.Object({
  timezone: WorkTimetable.properties.timezone,
  weeks: Type.Optional(WorkTimetable.properties.weeks),
  holidays: Type.Optional(WorkTimetable.properties.holidays),
});

const Seconds = Type.Union([Type.Integer(), Type.Null()]);
export const RoomStatus = Type.Object({
  open: Type.Boolean(),
  closesAt: Seconds,
  nextOpen: Seconds,
});
