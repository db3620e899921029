import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Privacy (docs/privacy.md): when an end user was erased (`users.erased`), when a chat's text was
 * erased by the retention job (`chats.erased`), and when a file's bytes were erased (`media.erased`);
 * null while nothing was. An index finds an end user's chats (erasure, export) and one the closed
 * chats of an app by closing time (retention).
 */
export function privacy(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('erased', 'bigint').execute();
      await db.schema.alterTable('chats').addColumn('erased', 'bigint').execute();
      await db.schema.alterTable('media').addColumn('erased', 'bigint').execute();
      await db.schema.createIndex('chats_creator').on('chats').columns(['app_id', 'creator', 'id']).execute();
      await db.schema
        .createIndex('chats_closed_at')
        .on('chats')
        .columns(['app_id', 'status', 'closed'])
        .execute();
    },
  };
}
