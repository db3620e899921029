import { checkTimetable } from '../../apps/timetable.ts';
import { readTimetable, writeTimetable } from '../../apps/timetable-store.ts';
import { changesBetween, recordAudit } from '../../audit/audit.ts';
import { commitChange } from '../../events/commit.ts';
import { auditBy } from '../../policies/audit.ts';
import { wakeOpenings } from '../../routing/opening.ts';
import { operation } from '../operation.ts';
import { TimetableBody, TimetableResponse } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/settings/work-timetable',
  auth: ['secret'],
  caller: 'actor',
  tags: ['apps'],
  summary: 'Replace the opening hours; chats waiting for an opening are looked at again',
  body: TimetableBody,
  status: 200,
  response: TimetableResponse,
  run: async (ctx, actor, { body }, _services, origin) => {
    const app = actor.app;
    const timetable = checkTimetable(
      { timezone: body.timezone, weeks: body.weeks ?? [], holidays: body.holidays ?? [] },
      app.settings,
    );
    await commitChange(ctx, app.id, async (tx) => {
      const changes = changesBetween(await readTimetable(tx, app.id), timetable);
      await writeTimetable(tx, app.id, timetable);
      if (changes)
        await recordAudit(tx, {
          appId: app.id,
          by: auditBy(actor, origin.ip),
          action: 'timetable.update',
          target: { type: 'timetable', id: app.id },
          changes,
        });
      await wakeOpenings(tx, app.id);
    });
    return timetable;
  },
});
