import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Sessions that end (docs/security.md, "Sessions"): agents gain `active` (1 = may sign in; a
 * deactivated or deleted agent is 0 and keeps its row, so its lines stay in transcripts), and apps
 * keep the secret they rotated away from, with the moment (ms) it stops opening the app.
 */
export function sessions(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('users')
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable('apps').addColumn('previous_secret_hash', 'text').execute();
      await db.schema.alterTable('apps').addColumn('previous_secret_until', 'bigint').execute();
    },
  };
}
