import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Post-chat surveys (docs/surveys.md). One response per chat (the unique index is the "once" rule on
 * every node); `agent_ids` is a JSON list of the agents of the chat, `answers` the JSON answers.
 * `chats.rating` is the first rating answer, shown on the Chat object. `server_keys` holds the key
 * that signs the survey page's links, made here once so every node of a cluster shares it.
 */
export function surveys(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('survey_responses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('survey_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('room', 'integer', (c) => c.notNull())
        .addColumn('agent_ids', 'text', (c) => c.notNull())
        .addColumn('answers', 'text', (c) => c.notNull())
        .addColumn('rating', 'integer')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('survey_responses_chat')
        .unique()
        .on('survey_responses')
        .columns(['app_id', 'chat_id'])
        .execute();
      await db.schema
        .createIndex('survey_responses_list')
        .on('survey_responses')
        .columns(['app_id', 'survey_id', 'id'])
        .execute();
      await db.schema.alterTable('chats').addColumn('rating', 'integer').execute();
      await db.schema
        .createTable('server_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await (db as Kysely<{ server_keys: { name: string; secret: string; created: number } }>)
        .insertInto('server_keys')
        .values({
          name: 'survey-links',
          secret: randomBytes(32).toString('base64url'),
          created: Math.floor(Date.now() / 1000),
        })
        .execute();
    },
  };
}
