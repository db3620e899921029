import type { Db, Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';

/**
 * The statements of supervision (chat_watchers, docs/people.md "Supervision"). Every change to a
 * chat's watchers also moves `chats.watchers` in the same transaction, so the chat row tells the send
 * path whether there is anyone to read (and, on PostgreSQL, its row version changes with them).
 */

export const watcherRows = prepare<{ chatId: string }, { userId: string }>((db, arg) =>
  db
    .selectFrom('chatWatchers')
    .select('userId')
    .where('chatId', '=', arg('chatId'))
    .orderBy('since')
    .orderBy('userId'),
);

export async function watchersOf(db: Db | Tx, chatId: string): Promise<string[]> {
  return (await watcherRows.all(db, { chatId })).map((row) => row.userId);
}

/** Starts a watch; false when it was on already. */
export async function insertWatcher(
  tx: Tx,
  row: { chatId: string; userId: string; appId: string; since: number },
): Promise<boolean> {
  const inserted = await tx
    .insertInto('chatWatchers')
    .values(row)
    .onConflict((oc) => oc.columns(['chatId', 'userId']).doNothing())
    .returning('userId')
    .executeTakeFirst();
  if (inserted === undefined) return false;
  await countWatchers(tx, row.chatId);
  return true;
}

/** Ends one watch; false when there was none. */
export async function deleteWatcher(tx: Tx, chatId: string, userId: string): Promise<boolean> {
  const removed = await tx
    .deleteFrom('chatWatchers')
    .where('chatId', '=', chatId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) return false;
  await countWatchers(tx, chatId);
  return true;
}

/** Ends every watch of a chat (it closed). */
export async function deleteWatchersOfChat(tx: Tx, chatId: string): Promise<void> {
  await tx.deleteFrom('chatWatchers').where('chatId', '=', chatId).execute();
  await tx
    .updateTable('chats')
    .set({ watchers: 0 })
    .where('id', '=', chatId)
    .where('watchers', '<>', 0)
    .execute();
}

/** The chats a user watches (to end its watches when it is deactivated). */
export async function chatsWatchedBy(tx: Tx, userId: string): Promise<string[]> {
  const rows = await tx.selectFrom('chatWatchers').select('chatId').where('userId', '=', userId).execute();
  return rows.map((row) => row.chatId);
}

/** The chats a user watches, with their rooms. */
export async function watchedRoomsOf(
  tx: Tx,
  userId: string,
): Promise<Array<{ chatId: string; room: number }>> {
  return tx
    .selectFrom('chatWatchers')
    .innerJoin('chats', 'chats.id', 'chatWatchers.chatId')
    .select(['chatWatchers.chatId', 'chats.room'])
    .where('chatWatchers.userId', '=', userId)
    .execute();
}

async function countWatchers(tx: Tx, chatId: string): Promise<void> {
  await tx
    .updateTable('chats')
    .set((eb) => ({
      watchers: eb
        .selectFrom('chatWatchers')
        .select((s) => s.fn.countAll<number>().as('n'))
        .where('chatWatchers.chatId', '=', chatId),
    }))
    .where('id', '=', chatId)
    .execute();
}
