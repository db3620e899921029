import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Opening hours (apps/timetable.ts, docs/routing.md "Opening hours"): one row per app that set its
 * work timetable, the whole timetable as JSON text. Apart from the settings, so `PUT /settings` and
 * `PUT /settings/work-timetable` never overwrite each other; an app without a row is always open.
 */
export function workTimetables(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('work_timetables')
        .addColumn('app_id', 'text', (c) => c.primaryKey())
        .addColumn('timetable', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
