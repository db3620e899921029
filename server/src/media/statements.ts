import type { Db, Tx } from '../store/database.ts';
import type { MediaRow } from '../store/schema.ts';

/** The media statements (the bytes live in the store, so every node serves them). */

export async function insertMedia(tx: Tx, row: MediaRow): Promise<void> {
  await tx.insertInto('media').values(row).execute();
}

/** A page of the app's media (without the bytes), oldest id first. */
export async function selectMedia(
  db: Db,
  filter: { appId: string; chatId?: string | undefined; after?: string | undefined; limit: number },
): Promise<Array<Omit<MediaRow, 'bytes'>>> {
  let q = db
    .selectFrom('media')
    .select(['id', 'appId', 'chatId', 'sender', 'name', 'type', 'size', 'created', 'erased'])
    .where('appId', '=', filter.appId);
  if (filter.chatId !== undefined) q = q.where('chatId', '=', filter.chatId);
  if (filter.after !== undefined) q = q.where('id', '>', filter.after);
  return q
    .orderBy('id')
    .limit(filter.limit + 1)
    .execute();
}

// ---- the bytes, in chunks (migration 024)

/** The media row without its legacy `bytes` column (which is empty for files stored in chunks). */
export async function mediaMetaOfApp(
  db: Db,
  appId: string,
  id: string,
): Promise<Omit<MediaRow, 'bytes'> | undefined> {
  return db
    .selectFrom('media')
    .select(['id', 'appId', 'chatId', 'sender', 'name', 'type', 'size', 'created', 'erased'])
    .where('id', '=', id)
    .where('appId', '=', appId)
    .executeTakeFirst();
}

/** A file stored before migration 024: its bytes were kept in the media row itself. */
export async function legacyBytesOf(db: Db, id: string): Promise<Uint8Array | undefined> {
  const row = await db.selectFrom('media').select('bytes').where('id', '=', id).executeTakeFirst();
  return row?.bytes;
}

export async function insertChunk(
  db: Db,
  mediaId: string,
  position: number,
  bytes: Uint8Array,
): Promise<void> {
  await db.insertInto('mediaChunks').values({ mediaId, position, bytes }).execute();
}

/** A few chunks after `afterPosition`, in order (keyset: a download reads a page a statement). */
export async function chunksPage(
  db: Db,
  mediaId: string,
  afterPosition: number,
  limit: number,
): Promise<Array<{ position: number; bytes: Uint8Array }>> {
  return db
    .selectFrom('mediaChunks')
    .select(['position', 'bytes'])
    .where('mediaId', '=', mediaId)
    .where('position', '>', afterPosition)
    .orderBy('position')
    .limit(limit)
    .execute();
}

export async function deleteChunks(db: Db, mediaId: string): Promise<void> {
  await db.deleteFrom('mediaChunks').where('mediaId', '=', mediaId).execute();
}
