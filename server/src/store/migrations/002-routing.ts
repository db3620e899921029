import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/** Durable timers, invitations, the invitation loop's state, and the queue position of chats. */
export function routing(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('timers')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('due', 'bigint', (c) => c.notNull())
        .addColumn('claimed_until', 'bigint')
        .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('timers_pk', ['kind', 'ref'])
        .execute();
      await db.schema.createIndex('timers_due').on('timers').columns(['due']).execute();

      await db.schema
        .createTable('invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('inviter_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('transfer', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempt', 'integer')
        .addColumn('loop_id', 'text')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('expires', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('invitations_chat')
        .on('invitations')
        .columns(['chat_id', 'status'])
        .execute();
      await db.schema
        .createIndex('invitations_user')
        .on('invitations')
        .columns(['user_id', 'status'])
        .execute();
      // At most one pending invitation per agent and chat, whoever sent it.
      await db.schema
        .createIndex('invitations_one_pending')
        .unique()
        .on('invitations')
        .columns(['chat_id', 'user_id'])
        .where(sql.ref('status'), '=', 'pending')
        .execute();

      await db.schema
        .createTable('assignments')
        .addColumn('chat_id', 'text', (c) => c.primaryKey().references('chats.id').onDelete('cascade'))
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('loop_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('interval', 'integer', (c) => c.notNull())
        .addColumn('algorithm', 'text', (c) => c.notNull())
        .addColumn('invited', 'text', (c) => c.notNull())
        .addColumn('updated', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.alterTable('chats').addColumn('queue_position', 'integer').execute();
      await db.schema
        .createIndex('chats_queue')
        .on('chats')
        .columns(['app_id', 'room', 'in_queue'])
        .execute();
    },
  };
}
