import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { checkHistorySenders, type HistoryEntry, requireOpen } from '../policies/chats.ts';
import type { Db, Tx } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';
import { nowSeconds } from '../util/time.ts';
import { lockedChatFor } from './access.ts';
import { historyEntriesOf, insertHistoryEntries, lastHistoryPosition } from './statements.ts';

export async function appendHistory(
  tx: Tx,
  chat: Pick<ChatRow, 'id' | 'appId'>,
  entries: HistoryEntry[],
): Promise<number> {
  let position = await lastHistoryPosition(tx, chat.id);
  const rows = entries.map((entry) => ({
    chatId: chat.id,
    position: ++position,
    appId: chat.appId,
    sender: entry.sender,
    message: entry.message,
    type: entry.type ?? ('text' as const),
    created: entry.created ?? nowSeconds(),
  }));
  await insertHistoryEntries(tx, rows);
  return rows.length;
}

export async function listHistoryEntries(db: Db, chatId: string): Promise<HistoryEntry[]> {
  const rows = await historyEntriesOf(db, chatId);
  return rows.map((r) => ({ sender: r.sender, message: r.message, created: r.created, type: r.type }));
}

/** POST /chats/{id}/history — the creator (or the app) imports the bot conversation that preceded the chat. */
export async function importHistory(
  ctx: Ctx,
  actor: Actor,
  chatId: string,
  entries: HistoryEntry[],
): Promise<number> {
  return commitChange(ctx, actor.app.id, async (tx) => {
    const chat = await lockedChatFor(tx, actor, chatId, 'creator');
    requireOpen(chat);
    checkHistorySenders(actor, [chat.row.creator, ...chat.users], entries);
    return appendHistory(tx, chat.row, entries);
  });
}
