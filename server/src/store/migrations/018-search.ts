import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Past chats and search (docs/search.md).
 * - Message text gets a full-text index, filled here from every existing text message (backfill):
 *   SQLite an FTS5 external-content table over `messages` (it stores only the index; the text stays
 *   in `messages`), kept by triggers inside the statement that inserts, changes or deletes a message;
 *   PostgreSQL a GIN expression index on `to_tsvector('simple', body)`, so the send path writes no
 *   extra statement at all. Both index only `type = 'text'` messages (notes included: the query
 *   filters on `visibility`).
 * - `chat_agents`: every agent that ever took part in a chat (joining writes it; leaving and transfers
 *   keep it), so an agent's past chats stay its own after it left them. Filled from the current
 *   participants and from the agents who wrote in each chat.
 * - `chat_tags`: one row per tag of a chat, so `?tag=` reads an index instead of every chat's JSON.
 */
export function search(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect === 'sqlite') {
        await sql`create virtual table messages_fts using fts5(
          body, content = 'messages', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 0'
        )`.execute(db);
        await sql`create trigger messages_fts_insert after insert on messages when new.type = 'text' begin
          insert into messages_fts (rowid, body) values (new.rowid, new.body);
        end`.execute(db);
        await sql`create trigger messages_fts_delete after delete on messages when old.type = 'text' begin
          insert into messages_fts (messages_fts, rowid, body) values ('delete', old.rowid, old.body);
        end`.execute(db);
        await sql`create trigger messages_fts_update after update of body, type on messages begin
          insert into messages_fts (messages_fts, rowid, body)
            select 'delete', old.rowid, old.body where old.type = 'text';
          insert into messages_fts (rowid, body) select new.rowid, new.body where new.type = 'text';
        end`.execute(db);
        await sql`insert into messages_fts (rowid, body) select rowid, body from messages where type = 'text'`.execute(
          db,
        );
      } else {
        await sql`create index messages_search on messages using gin (to_tsvector('simple', body)) where type = 'text'`.execute(
          db,
        );
      }

      await db.schema
        .createTable('chat_agents')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_agents_pk', ['user_id', 'chat_id'])
        .execute();
      await db.schema.createIndex('chat_agents_chat').on('chat_agents').column('chat_id').execute();
      await sql`insert into chat_agents (user_id, chat_id, app_id)
        select chat_users.user_id, chat_users.chat_id, chat_users.app_id from chat_users
          join users on users.id = chat_users.user_id and users.role = 'agent'
        union
        select distinct messages.sender, messages.chat_id, messages.app_id from messages
          join users on users.id = messages.sender and users.role = 'agent'`.execute(db);

      await db.schema
        .createTable('chat_tags')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('chat_tags_pk', ['app_id', 'tag', 'chat_id'])
        .execute();
      await db.schema.createIndex('chat_tags_chat').on('chat_tags').column('chat_id').execute();
      await (dialect === 'sqlite'
        ? sql`insert into chat_tags (app_id, tag, chat_id)
            select distinct chats.app_id, json_each.value, chats.id from chats, json_each(chats.tags)`
        : sql`insert into chat_tags (app_id, tag, chat_id)
            select distinct chats.app_id, t.tag, chats.id from chats, jsonb_array_elements_text(chats.tags::jsonb) as t(tag)`
      ).execute(db);
    },
  };
}
