import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * The audit log (server/src/audit/, docs/security.md "Audit log"): one row per change to settings,
 * agents, webhooks, canned responses, apps, and per sign-in. Written in the transaction of the change
 * it records. `actor` and `changes` are JSON text; the index serves `GET /v1/audit`, newest first.
 */
export function audit(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('audit_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor_kind', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('actor_name', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('changes', 'text')
        .execute();
      await db.schema
        .createIndex('audit_entries_app')
        .on('audit_entries')
        .columns(['app_id', 'id'])
        .execute();
    },
  };
}
