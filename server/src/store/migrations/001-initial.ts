import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/** The foundation's tables. Column types differ by dialect only where SQL itself does. */
export function initial(dialect: Dialect) {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('domains', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('domain_key_hash', 'text', (c) => c.notNull())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('nickname', 'text')
        .addColumn('contact', 'text')
        .addColumn('external_id', 'text')
        .addColumn('extra_info', 'text', (c) => c.notNull())
        .addColumn('provider_id', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('status', 'text')
        .addColumn('rooms', 'text')
        .addColumn('off_rooms', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('langs', 'text')
        .addColumn('max_chats', 'integer')
        .addColumn('active_chats', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_invited', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_app_role').on('users').columns(['app_id', 'role']).execute();
      await db.schema
        .createIndex('users_external_id')
        .unique()
        .on('users')
        .columns(['app_id', 'external_id'])
        .where(sql.ref('external_id'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('agents_contact')
        .unique()
        .on('users')
        .columns(['app_id', 'contact'])
        .where(sql.ref('role'), '=', 'agent')
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('expires', 'bigint', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('chats')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull().references('apps.id').onDelete('cascade'))
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('room', 'integer', (c) => c.notNull())
        .addColumn('lang', 'text', (c) => c.notNull())
        .addColumn('source', 'integer', (c) => c.notNull())
        .addColumn('external_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('in_queue', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_activity', 'bigint', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('closed', 'bigint')
        .addColumn('closed_by', 'text')
        .addColumn('ticket_id', 'text')
        .execute();
      await db.schema
        .createIndex('chats_app_status')
        .on('chats')
        .columns(['app_id', 'status', 'id'])
        .execute();
      await db.schema.createIndex('chats_app_room').on('chats').columns(['app_id', 'room', 'id']).execute();
      // The one-open-chat rule, enforced by the store itself so concurrent creates cannot both win.
      await db.schema
        .createIndex('chats_one_open_per_creator')
        .unique()
        .on('chats')
        .columns(['app_id', 'creator'])
        .where(sql.ref('status'), '<>', 'closed')
        .execute();

      await db.schema
        .createTable('chat_users')
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('joined', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_users_pk', ['chat_id', 'user_id'])
        .execute();
      await db.schema.createIndex('chat_users_user').on('chat_users').column('user_id').execute();

      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('messages_chat_seq')
        .unique()
        .on('messages')
        .columns(['chat_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('messages_client_id')
        .unique()
        .on('messages')
        .columns(['chat_id', 'sender', 'client_id'])
        .where(sql.ref('client_id'), 'is not', null)
        .execute();

      await db.schema
        .createTable('message_reads')
        .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('message_reads_pk', ['message_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('history_entries')
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('history_entries_pk', ['chat_id', 'position'])
        .execute();

      await db.schema
        .createTable('media')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('bytes', bytes, (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('media_app_chat').on('media').columns(['app_id', 'chat_id']).execute();

      await db.schema
        .createTable('tickets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('transcript', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tickets_app_chat').on('tickets').columns(['app_id', 'chat_id']).execute();

      const events = db.schema.createTable('events');
      const withSeq =
        dialect === 'postgres'
          ? events.addColumn('seq', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
          : events.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement());
      await withSeq
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('chat_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_app_seq').on('events').columns(['app_id', 'seq']).execute();
      await db.schema.createIndex('events_chat').on('events').columns(['chat_id', 'seq']).execute();
    },
  };
}
