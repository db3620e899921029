import type { Db, Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { ChatRow, HistoryEntryRow, MessageRow, UserRow } from '../store/schema.ts';
import { nowSeconds } from '../util/time.ts';

/**
 * The chat statements (chats, chat_users) in one place. The prepared ones are on the hot paths
 * (join, close, every lock of an open chat); the rest are Kysely queries built per call.
 */

// Both locks are UPDATEs (not SELECT … FOR UPDATE) on purpose: every change to a chat's participants
// runs after one, so it leaves a new row version, which the send path's one-statement read relies on
// (bumpSeqWithParticipants in send-sql.ts).
export const lockOpen = prepare<{ id: string }, unknown>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb.ref('lastSeq') }))
    .where('id', '=', arg('id'))
    .where('status', '<>', 'closed'),
);

export const lockAny = prepare<{ id: string }, unknown>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb.ref('lastSeq') }))
    .where('id', '=', arg('id')),
);

export const closeOpenChat = prepare<{ id: string; now: number; closer: string }, unknown>((db, arg) =>
  db
    .updateTable('chats')
    .set({ status: 'closed', closed: arg('now'), closedBy: arg('closer') })
    .where('id', '=', arg('id'))
    .where('status', '<>', 'closed'),
);

export const chatById = prepare<{ id: string }, ChatRow>((db, arg) =>
  db.selectFrom('chats').selectAll().where('id', '=', arg('id')),
);

export const chatOfApp = prepare<{ id: string; appId: string }, ChatRow>((db, arg) =>
  db.selectFrom('chats').selectAll().where('id', '=', arg('id')).where('appId', '=', arg('appId')),
);

export const participantRows = prepare<{ chatId: string }, { userId: string }>((db, arg) =>
  db
    .selectFrom('chatUsers')
    .select('userId')
    .where('chatId', '=', arg('chatId'))
    .orderBy('joined')
    .orderBy('userId'),
);

export const takeSlot = prepare<{ id: string; maxChats: number }, unknown>((db, arg) =>
  db
    .updateTable('users')
    .set((eb) => ({ activeChats: eb('activeChats', '+', 1) }))
    .where('id', '=', arg('id'))
    .where((eb) => eb('activeChats', '<', eb.fn.coalesce('maxChats', eb.val(arg('maxChats'))))),
);

/** A slot taken whatever the capacity: an intervening supervisor (chats/intervene.ts). */
export const takeSlotAnyway = prepare<{ id: string }, unknown>((db, arg) =>
  db
    .updateTable('users')
    .set((eb) => ({ activeChats: eb('activeChats', '+', 1) }))
    .where('id', '=', arg('id')),
);

export const insertParticipant = prepare<
  { chatId: string; userId: string; appId: string; joined: number },
  unknown
>((db, arg) =>
  db.insertInto('chatUsers').values({
    chatId: arg('chatId'),
    userId: arg('userId'),
    appId: arg('appId'),
    joined: arg('joined'),
  }),
);

export const activateChat = prepare<{ id: string }, unknown>((db, arg) =>
  db.updateTable('chats').set({ status: 'active' }).where('id', '=', arg('id')),
);

export async function insertChat(tx: Tx, row: ChatRow): Promise<void> {
  await tx.insertInto('chats').values(row).execute();
}

export async function updateChatRow(tx: Tx, id: string, changes: Partial<ChatRow>): Promise<void> {
  await tx.updateTable('chats').set(changes).where('id', '=', id).execute();
}

/** Agents in a chat, so closing or leaving can give their slots back. */
export async function releaseAgentSlots(tx: Tx, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await tx
    .updateTable('users')
    .set((eb) => ({ activeChats: eb('activeChats', '-', 1) }))
    .where('id', 'in', userIds)
    .where('role', '=', 'agent')
    .where('activeChats', '>', 0)
    .execute();
}

export async function deleteParticipant(tx: Tx, chatId: string, userId: string): Promise<boolean> {
  const removed = await tx
    .deleteFrom('chatUsers')
    .where('chatId', '=', chatId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return Number(removed.numDeletedRows) > 0;
}

export async function agentsInChat(tx: Tx, chatId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('chatUsers')
    .innerJoin('users', 'users.id', 'chatUsers.userId')
    .select('users.id')
    .where('chatUsers.chatId', '=', chatId)
    .where('users.role', '=', 'agent')
    .execute();
  return rows.map((r) => r.id);
}

/** An active chat left without agents waits again. */
export async function setWaitingIfActive(tx: Tx, chatId: string): Promise<void> {
  await tx
    .updateTable('chats')
    .set({ status: 'waiting' })
    .where('id', '=', chatId)
    .where('status', '=', 'active')
    .execute();
}

export async function roleOf(tx: Tx, userId: string): Promise<UserRow['role'] | undefined> {
  const row = await tx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
  return row?.role;
}

/** Users by id, in the order of `ids` (a chat's participants in joining order). */
export async function usersInOrder(db: Db | Tx, ids: string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('users').selectAll().where('id', 'in', ids).execute();
  const order = new Map(ids.map((u, i) => [u, i]));
  rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return rows;
}

export async function participantsByChat(db: Db, chatIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(chatIds.map((id) => [id, []]));
  if (chatIds.length === 0) return result;
  const rows = await db
    .selectFrom('chatUsers')
    .select(['chatId', 'userId'])
    .where('chatId', 'in', chatIds)
    .orderBy('joined')
    .orderBy('userId')
    .execute();
  for (const row of rows) result.get(row.chatId)?.push(row.userId);
  return result;
}

// ---- messages: the send path's statements, prepared (about ten statements make one message)

export const bumpSeq = prepare<{ id: string; now: number }, { lastSeq: number }>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', 1), lastActivity: arg('now') }))
    .where('id', '=', arg('id'))
    .returning('lastSeq'),
);

// The send path's first statement: finds the chat, takes its row lock (PostgreSQL) and hands out the
// next seq at once. A send that then fails a check rolls it back with the rest.
export const bumpSeqOfAppChat = prepare<{ id: string; appId: string; now: number }, ChatRow>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', 1), lastActivity: arg('now') }))
    .where('id', '=', arg('id'))
    .where('appId', '=', arg('appId'))
    .returningAll(),
);

export const insertMessage = prepare<MessageRow, unknown>((db, arg) =>
  db.insertInto('messages').values({
    id: arg('id'),
    appId: arg('appId'),
    chatId: arg('chatId'),
    sender: arg('sender'),
    type: arg('type'),
    body: arg('body'),
    seq: arg('seq'),
    clientId: arg('clientId'),
    eventId: arg('eventId'),
    created: arg('created'),
    visibility: arg('visibility'),
  }),
);

export const messageByClientId = prepare<{ chatId: string; sender: string; clientId: string }, MessageRow>(
  (db, arg) =>
    db
      .selectFrom('messages')
      .selectAll()
      .where('chatId', '=', arg('chatId'))
      .where('sender', '=', arg('sender'))
      .where('clientId', '=', arg('clientId')),
);

export const messageOfApp = prepare<{ id: string; appId: string }, MessageRow>((db, arg) =>
  db.selectFrom('messages').selectAll().where('id', '=', arg('id')).where('appId', '=', arg('appId')),
);

/** Records a read; false when it was recorded already (the first read only fires `messages:read`). */
export async function insertRead(
  tx: Tx,
  read: { messageId: string; userId: string; appId: string },
): Promise<boolean> {
  const inserted = await tx
    .insertInto('messageReads')
    .values({ ...read, created: nowSeconds() })
    .onConflict((oc) => oc.columns(['messageId', 'userId']).doNothing())
    .returning('userId')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** `notes: false` leaves internal notes out (in the statement, so a page stays full). */
export async function messagesAfter(
  db: Db,
  chatId: string,
  after: number,
  limit: number,
  { notes }: { notes: boolean },
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('chatId', '=', chatId)
    .where('seq', '>', after)
    .$if(!notes, (q) => q.where('visibility', '=', 'all'))
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Every message of the chat; `notes: false` leaves internal notes out. */
/** One page of a chat's messages after `afterSeq`, in `seq` order (keyset: the transcript export). */
export async function messagesPage(
  db: Db | Tx,
  chatId: string,
  { notes, afterSeq, limit }: { notes: boolean; afterSeq: number; limit: number },
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('chatId', '=', chatId)
    .where('seq', '>', afterSeq)
    .$if(!notes, (q) => q.where('visibility', '=', 'all'))
    .orderBy('seq')
    .limit(limit)
    .execute();
}

// ---- imported bot history

/** The last position of the chat's history lines, -1 with none. */
export async function lastHistoryPosition(tx: Tx, chatId: string): Promise<number> {
  const last = await tx
    .selectFrom('historyEntries')
    .select((eb) => eb.fn.max('position').as('max'))
    .where('chatId', '=', chatId)
    .executeTakeFirst();
  return Number(last?.max ?? -1);
}

export async function insertHistoryEntries(tx: Tx, rows: HistoryEntryRow[]): Promise<void> {
  // Batches keep each statement well under SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 100)
    await tx
      .insertInto('historyEntries')
      .values(rows.slice(i, i + 100))
      .execute();
}

/** One page of the chat's imported lines after `afterPosition`, in order (keyset: the transcript export). */
export async function historyPage(
  db: Db,
  chatId: string,
  { afterPosition, limit }: { afterPosition: number; limit: number },
): Promise<HistoryEntryRow[]> {
  return db
    .selectFrom('historyEntries')
    .selectAll()
    .where('chatId', '=', chatId)
    .where('position', '>', afterPosition)
    .orderBy('position')
    .limit(limit)
    .execute();
}

export async function historyEntriesOf(db: Db, chatId: string): Promise<HistoryEntryRow[]> {
  return db
    .selectFrom('historyEntries')
    .selectAll()
    .where('chatId', '=', chatId)
    .orderBy('position')
    .execute();
}

/** The open chats a user takes part in, in id order (the order their rows are locked in). */
export async function openChatsOf(tx: Tx, userId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('chatUsers')
    .innerJoin('chats', 'chats.id', 'chatUsers.chatId')
    .select('chats.id')
    .where('chatUsers.userId', '=', userId)
    .where('chats.status', '<>', 'closed')
    .orderBy('chats.id')
    .execute();
  return rows.map((r) => r.id);
}

// ---- past participation and tags, read by GET /chats (list-sql.ts)

/** Notes that the agent took part in the chat (kept after it leaves: docs/search.md). */
export const recordChatAgent = prepare<{ chatId: string; userId: string; appId: string }, unknown>(
  (db, arg) =>
    db
      .insertInto('chatAgents')
      .values({ chatId: arg('chatId'), userId: arg('userId'), appId: arg('appId') })
      .onConflict((oc) => oc.doNothing()),
);

/** Makes chat_tags hold exactly `tags` for the chat (in the transaction that changes `chats.tags`). */
export async function replaceChatTags(tx: Tx, appId: string, chatId: string, tags: string[]): Promise<void> {
  await tx.deleteFrom('chatTags').where('chatId', '=', chatId).execute();
  if (tags.length > 0)
    await tx
      .insertInto('chatTags')
      .values(tags.map((tag) => ({ appId, tag, chatId })))
      .execute();
}
