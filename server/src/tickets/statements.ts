import { END_USER, visibleFor } from '../events/notes.ts';
import type { Db, Tx } from '../store/database.ts';
import type { MessageRow, TicketRow } from '../store/schema.ts';

/** The ticket statements. */

/** The transcript's messages: internal notes never go in (a ticket is what may reach the customer). */
export async function messagesForTranscript(tx: Tx, chatId: string): Promise<MessageRow[]> {
  return tx
    .selectFrom('messages')
    .selectAll()
    .where('chatId', '=', chatId)
    .where('visibility', 'in', visibleFor(END_USER))
    .orderBy('seq')
    .execute();
}

export async function insertTicket(tx: Tx, row: TicketRow): Promise<void> {
  await tx.insertInto('tickets').values(row).execute();
}

export async function selectTickets(
  db: Db,
  filter: { appId: string; chatId?: string | undefined; after?: string | undefined; limit: number },
): Promise<TicketRow[]> {
  let q = db.selectFrom('tickets').selectAll().where('appId', '=', filter.appId);
  if (filter.chatId !== undefined) q = q.where('chatId', '=', filter.chatId);
  if (filter.after !== undefined) q = q.where('id', '>', filter.after);
  return q
    .orderBy('id')
    .limit(filter.limit + 1)
    .execute();
}

export async function ticketOfApp(db: Db, appId: string, id: string): Promise<TicketRow | undefined> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', id)
    .where('appId', '=', appId)
    .executeTakeFirst();
}

/** The texts `sender` wrote in the history sent with the chat, in order. */
export async function historyTextsBy(tx: Tx, chatId: string, sender: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('historyEntries')
    .select('message')
    .where('chatId', '=', chatId)
    .where('sender', '=', sender)
    .where('type', '=', 'text')
    .orderBy('position')
    .execute();
  return rows.map((row) => row.message);
}
