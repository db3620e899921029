import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Webhooks (docs/webhooks.md): registrations, one delivery per (webhook, event) with its frozen body, the
 * log of every attempt, and a per-app cursor on event positions that moves in the same transaction as
 * the deliveries it creates — so an event is either still ahead of the cursor or has its deliveries.
 */
export function webhooks(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('disabled_reason', 'text')
        .addColumn('rate_limit', 'integer')
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_expires', 'bigint')
        .addColumn('from_position', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('failing_since', 'bigint')
        .addColumn('assign_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('assign_failed_at', 'bigint')
        .addColumn('next_due', 'bigint')
        .addColumn('gen', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhooks_app')
        .on('webhooks')
        .columns(['app_id', 'created', 'id'])
        .execute();
      await db.schema.createIndex('webhooks_due').on('webhooks').columns(['next_due']).execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('position', 'bigint')
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text')
        .addColumn('lane', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('round', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt', 'bigint')
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('updated', 'bigint', (c) => c.notNull())
        .addColumn('delivered', 'bigint')
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_event')
        .unique()
        .on('webhook_deliveries')
        .columns(['webhook_id', 'event_id'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['webhook_id', 'status', 'next_attempt'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_lane')
        .on('webhook_deliveries')
        .columns(['webhook_id', 'lane', 'status', 'position'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_list')
        .on('webhook_deliveries')
        .columns(['webhook_id', 'status', 'id'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_created')
        .on('webhook_deliveries')
        .columns(['created'])
        .execute();

      await db.schema
        .createTable('webhook_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('delivery_id', 'text', (c) =>
          c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
        )
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('duration', 'integer', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('webhook_attempts_delivery')
        .on('webhook_attempts')
        .columns(['delivery_id', 'id'])
        .execute();

      await db.schema
        .createTable('webhook_cursors')
        .addColumn('app_id', 'text', (c) => c.primaryKey().references('apps.id').onDelete('cascade'))
        .addColumn('position', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
