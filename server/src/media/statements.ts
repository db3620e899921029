import type { Db, Tx } from '../store/database.ts';
import type { MediaRow } from '../store/schema.ts';

/** The media statements (the bytes live in the store, so every node serves them). */

export async function insertMedia(tx: Tx, row: MediaRow): Promise<void> {
  await tx.insertInto('media').values(row).execute();
}

export async function mediaOfApp(db: Db, appId: string, id: string): Promise<MediaRow | undefined> {
  return db
    .selectFrom('media')
    .selectAll()
    .where('id', '=', id)
    .where('appId', '=', appId)
    .executeTakeFirst();
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
