import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Failure counters of the throttle (limits/throttle.ts, docs/security.md): one row per counted key
 * (a contact of an app, or a client address, digested), its failures in the current fixed window and
 * when that window ends (Unix seconds). In the store, so every node and a restarted one see the same
 * counts; expired rows are swept.
 */
export function throttle(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('throttle_counters')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('resets_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
