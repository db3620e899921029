import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * A per-app event position, taken from a counter on the app row inside the event's transaction. The row
 * lock makes positions commit in order within an app, so a reader that has seen position N has seen
 * every event before N — which a bare PostgreSQL sequence does not promise.
 */
export function eventPositions(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('apps')
        .addColumn('event_position', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('events').addColumn('position', 'bigint').execute();
      await db.schema
        .createIndex('events_app_position')
        .unique()
        .on('events')
        .columns(['app_id', 'position'])
        .execute();
    },
  };
}
