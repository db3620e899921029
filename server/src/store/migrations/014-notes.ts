import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Internal notes (docs/security.md, "Internal notes"): a message's `visibility`, `all` (every
 * participant) or `agents` (a note, never shown to an end user). Existing messages are `all`.
 */
export function notes(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('messages')
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('all'))
        .execute();
    },
  };
}
