import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Routing reads, at every jump, how many invitations each agent of an app has pending. The pending
 * invitations are few while the table keeps every invitation ever sent: a partial index holds just
 * the pending ones, so that count is one short range scan whatever the history.
 */
export function routingIndexes(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createIndex('invitations_pending_by_app')
        .on('invitations')
        .columns(['app_id', 'user_id'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();
    },
  };
}
