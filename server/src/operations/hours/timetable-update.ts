import { checkTimetable } from '../../apps/timetable.ts';
import { writeTimetable } from '../../apps/timetable-store.ts';
import { commitChange } from '../../events/commit.ts';
import { wakeOpenings } from '../../routing/opening.ts';
import { operation } from '../operation.ts';
import { TimetableBody, TimetableResponse } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/settings/work-timetable',
  auth: ['secret'],
  caller: 'app',
  tags: ['apps'],
  summary: 'Replace the opening hours; chats waiting for an opening are looked at again',
  body: TimetableBody,
  status: 200,
  response: TimetableResponse,
  run: async (ctx, app, { body }) => {
    const timetable = checkTimetable(
      { timezone: body.timezone, weeks: body.weeks ?? [], holidays: body.holidays ?? [] },
      app.settings,
    );
    await commitChange(ctx, app.id, async (tx) => {
      await writeTimetable(tx, app.id, timetable);
      await wakeOpenings(tx, app.id);
    });
    return timetable;
  },
});
