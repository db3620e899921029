import type { Room, Settings, WorkTimetable } from '../src/lib/sdk.ts';

/** The Hours tab's form as typed, and the two bodies it saves (timetable, rooms' `offHours`). */

export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;
type Day = (typeof DAYS)[number];
type Week = WorkTimetable['weeks'][number];
type Range = NonNullable<Week[Day]>[number];

export interface RoomHours {
  id: number;
  name: string;
  offHours: NonNullable<Room['offHours']>;
  /** Off: the room has no week, so it is always open. */
  limited: boolean;
  /** Per day, "09:00-14:00, 15:00-18:00" (empty: closed all day). */
  days: Record<Day, string>;
  /** "2026-12-25, 2027-01-01". */
  holidays: string;
}

export interface HoursDraft {
  timezone: string;
  rooms: RoomHours[];
}

const split = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

export function toHoursDraft(timetable: WorkTimetable, settings: Pick<Settings, 'rooms'>): HoursDraft {
  return {
    timezone: timetable.timezone,
    rooms: settings.rooms.map((room) => {
      const week = timetable.weeks.find((w) => w.queueId === room.id);
      const days = Object.fromEntries(
        DAYS.map((day) => [day, (week?.[day] ?? []).map((r) => `${r.from}-${r.to}`).join(', ')]),
      ) as Record<Day, string>;
      const holidays = timetable.holidays.find((h) => h.queueId === room.id)?.days ?? [];
      return {
        id: room.id,
        name: room.name,
        offHours: room.offHours ?? 'ticket',
        limited: week !== undefined,
        days,
        holidays: holidays.join(', '),
      };
    }),
  };
}

/** "09:00-14:00" → {from, to}; anything else is sent as typed, so the server's 400 names the field. */
function toRange(text: string): Range {
  const [from = '', to = ''] = text.split('-').map((part) => part.trim());
  return { from, to };
}

export function toTimetable(draft: HoursDraft): WorkTimetable {
  const limited = draft.rooms.filter((room) => room.limited);
  return {
    timezone: draft.timezone.trim(),
    weeks: limited.map((room) => ({
      queueId: room.id,
      ...Object.fromEntries(DAYS.map((day) => [day, split(room.days[day]).map(toRange)])),
    })),
    holidays: limited
      .filter((room) => split(room.holidays).length > 0)
      .map((room) => ({ queueId: room.id, days: split(room.holidays) })),
  };
}

/** The settings' rooms with each room's `offHours` from the draft (everything else as it was). */
export function roomsWithOffHours(rooms: Settings['rooms'], draft: HoursDraft): Room[] {
  return rooms.map((room) => ({
    ...room,
    offHours: draft.rooms.find((r) => r.id === room.id)?.offHours ?? room.offHours ?? 'ticket',
  }));
}
