import type { Db, Tx } from '../store/database.ts';
import { jsonColumn } from '../store/json.ts';
import { prepare } from '../store/prepared.ts';
import { defaultTimetable, WorkTimetable } from './timetable.ts';

/** Reading and writing an app's work timetable (migration 017); apps without a row use the default. */

const decodeTimetable = jsonColumn('work timetable', WorkTimetable);

/** Decoded timetables by their stored text: every chat created in a room with hours reads one. */
const decoded = new Map<string, WorkTimetable>();
function timetableOf(text: string): WorkTimetable {
  let timetable = decoded.get(text);
  if (!timetable) {
    timetable = Object.freeze(decodeTimetable(text));
    if (decoded.size >= 1000) decoded.clear();
    decoded.set(text, timetable);
  }
  return timetable;
}

const timetableRow = prepare<{ appId: string }, { timetable: string }>((db, arg) =>
  db.selectFrom('workTimetables').select('timetable').where('appId', '=', arg('appId')),
);

export async function readTimetable(db: Db | Tx, appId: string): Promise<WorkTimetable> {
  const row = await timetableRow.first(db, { appId });
  return row ? timetableOf(row.timetable) : defaultTimetable();
}

export async function writeTimetable(tx: Tx, appId: string, timetable: WorkTimetable): Promise<void> {
  const text = JSON.stringify(timetable);
  await tx
    .insertInto('workTimetables')
    .values({ appId, timetable: text })
    .onConflict((oc) => oc.column('appId').doUpdateSet({ timetable: text }))
    .execute();
}
