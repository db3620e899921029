import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Every reader of the outbox (realtime replay, webhook dispatch) reads it by (app, position); the two
 * older indexes by `seq` are read by nothing and cost two index writes per event.
 */
export function leanOutbox(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('events_app_seq').execute();
      await db.schema.dropIndex('events_chat').execute();
    },
  };
}
