import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * PostgreSQL: event positions handed out after commit by the sequencer (events/sequencer.ts) instead of
 * inside each writer's transaction under the app row's lock. A writer inserts its events with
 * `position` NULL, its transaction id (`xid`, a column default: no extra statement) and the realtime
 * audience keys on the row; the sequencer numbers them, writes `realtime_audience` and clears `audience`.
 * The partial index holds only the rows still waiting, so the sequencer's scan stays small.
 *
 * SQLite keeps positions taken in the writer's transaction (one writer at a time; nothing to gain).
 */
export function eventSequencer(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      // Added without a default first: existing (positioned) rows keep NULL, no table rewrite.
      await sql`alter table events add column xid xid8`.execute(db);
      await sql`alter table events alter column xid set default pg_current_xact_id()`.execute(db);
      await sql`alter table events add column audience text[]`.execute(db);
      await sql`create index events_unpositioned on events (seq) include (app_id, xid) where position is null`.execute(
        db,
      );
    },
  };
}
