import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Media bytes in chunks (docs/limits.md, "Fair share"): an upload is written to the store a chunk at a
 * time as it arrives and a download read a few chunks a statement, so no file is ever held whole in
 * memory. `media.bytes` stays for the files stored before (read as they were); new rows leave it empty.
 */
export function mediaChunks(dialect: Dialect) {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('media_chunks')
        .addColumn('media_id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('bytes', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('media_chunks_pk', ['media_id', 'position'])
        .execute();
    },
  };
}
