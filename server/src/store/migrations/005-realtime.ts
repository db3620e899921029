import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The realtime gateway's tables (server/src/realtime/):
 * - `realtime_audience`: who hears each event, written in the event's transaction. A key is `u:<userId>`
 *   (that user, all tabs) or `r:<room>` (the agents of a room). Replays read a user's stream from it.
 * - `realtime_nodes`: the nodes holding realtime connections, each with a lease it keeps renewing.
 * - `realtime_presence`: how many connections a user holds on a node; rows of a node whose lease ran
 *   out are swept by the others, so a crashed node's users still get their reconnect grace.
 */
export function realtime(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('realtime_audience')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('position', 'bigint', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('realtime_audience_pk', ['app_id', 'key', 'position'])
        .execute();
      await db.schema
        .createIndex('realtime_audience_created')
        .on('realtime_audience')
        .column('created')
        .execute();

      await db.schema
        .createTable('realtime_nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alive_until', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('realtime_presence')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('realtime_presence_pk', ['user_id', 'node_id'])
        .execute();
      await db.schema
        .createIndex('realtime_presence_node')
        .on('realtime_presence')
        .column('node_id')
        .execute();
    },
  };
}
