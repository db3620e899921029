import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Canned responses and chat tags (docs/web.md, "Canned responses and tags"). A canned response is
 * shared (`owner_id` null) or one agent's own; its shortcut is unique per owner, which the expression
 * index holds (null owners would never collide in a plain unique index). A chat's tags are a JSON
 * list of strings beside the chat, read wherever the chat is.
 */
export function canned(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('canned_responses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('owner_id', 'text')
        .addColumn('shortcut', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('rooms', 'text')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('updated', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('canned_responses_shortcut')
        .unique()
        .on('canned_responses')
        .expression(sql`app_id, coalesce(owner_id, ''), shortcut`)
        .execute();
      await db.schema
        .alterTable('chats')
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  };
}
