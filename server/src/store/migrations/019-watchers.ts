import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Supervision (docs/people.md, "Supervision"): who watches a chat silently.
 * - `chat_watchers`: one row per (chat, watcher), with the app (tenancy) and when the watch began.
 *   Not participants: routing, capacity and every end-user read ignore this table.
 * - `chats.watchers`: how many watch the chat, kept with the rows in the same transaction, so the
 *   send path (which reads the chat row anyway) reads the watchers only when there are some.
 */
export function watchers(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('chat_watchers')
        .addColumn('chat_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_watchers_pk', ['chat_id', 'user_id'])
        .execute();
      await db.schema.createIndex('chat_watchers_user').on('chat_watchers').column('user_id').execute();
      await db.schema
        .alterTable('chats')
        .addColumn('watchers', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
