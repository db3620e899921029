import { useEffect, useState } from 'preact/hooks';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import { type Client, readSettings } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field, SelectField } from '../src/ui/index.ts';
import {
  DAYS,
  type HoursDraft,
  type RoomHours,
  roomsWithOffHours,
  toHoursDraft,
  toTimetable,
} from './hours-draft.ts';

/** Opening hours (docs/routing.md, "Opening hours"): the time zone, each room's week and holidays, and what a chat off hours becomes. */
export function HoursPanel({ client }: { client: Client }) {
  const loaded = useLoad(async () => {
    const [settings, timetable] = await Promise.all([readSettings(client), client.settings.workTimetable()]);
    return { settings, timetable };
  }, [client]);
  const [draft, setDraft] = useState<HoursDraft | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (loaded.data) setDraft(toHoursDraft(loaded.data.timetable, loaded.data.settings));
  }, [loaded.data]);

  if (!draft || !loaded.data) return <ErrorNote message={loaded.error} />;
  const settings = loaded.data.settings;
  const setRoom = (id: number, patch: Partial<RoomHours>) => {
    setSaved(false);
    setDraft({ ...draft, rooms: draft.rooms.map((room) => (room.id === id ? { ...room, ...patch } : room)) });
  };

  async function save(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      await client.settings.updateWorkTimetable(toTimetable(draft!));
      await client.settings.update({ rooms: roomsWithOffHours(settings.rooms, draft!) });
      setSaved(true);
      await loaded.reload();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <form class="admin__settings" onSubmit={save} aria-label="Hours">
      <fieldset class="sb-card">
        <legend>Time zone</legend>
        <Field
          label="Time zone"
          hint="An IANA name, e.g. Europe/Madrid; daylight saving follows it"
          value={draft.timezone}
          list="admin-zones"
          onInput={(e) => {
            setSaved(false);
            setDraft({ ...draft, timezone: e.currentTarget.value });
          }}
        />
        <datalist id="admin-zones">
          {Intl.supportedValuesOf('timeZone').map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
      </fieldset>
      {draft.rooms.map((room) => (
        <fieldset class="sb-card" key={room.id}>
          <legend>{room.name}</legend>
          <SelectField
            label="Outside hours"
            value={room.offHours}
            onChange={(e) =>
              setRoom(room.id, { offHours: e.currentTarget.value === 'queue' ? 'queue' : 'ticket' })
            }
          >
            <option value="ticket">Make a ticket</option>
            <option value="queue">Wait for the opening</option>
          </SelectField>
          <label class="admin__check">
            <input
              type="checkbox"
              checked={room.limited}
              onChange={(e) => setRoom(room.id, { limited: e.currentTarget.checked })}
            />{' '}
            Opening hours (off: always open)
          </label>
          {room.limited ? (
            <>
              {DAYS.map((day) => (
                <Field
                  key={day}
                  label={day}
                  hint={day === 'Monday' ? 'Ranges like 09:00-14:00, 15:00-18:00; empty = closed' : undefined}
                  value={room.days[day]}
                  onInput={(e) => setRoom(room.id, { days: { ...room.days, [day]: e.currentTarget.value } })}
                />
              ))}
              <Field
                label="Holidays"
                hint="Closed all day, comma-separated, e.g. 2026-12-25"
                value={room.holidays}
                onInput={(e) => setRoom(room.id, { holidays: e.currentTarget.value })}
              />
            </>
          ) : null}
        </fieldset>
      ))}
      <ErrorNote message={error} />
      {saved ? (
        <p role="status" class="admin__saved">
          Hours saved.
        </p>
      ) : null}
      <div>
        <Button type="submit">Save hours</Button>
      </div>
    </form>
  );
}
