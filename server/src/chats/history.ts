import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { checkHistorySenders, type HistoryEntry, requireOpen } from '../policies/chats.ts';
import { mayReadNotes } from '../policies/messages.ts';
import type { Db, Tx } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';
import { nowSeconds } from '../util/time.ts';
import { presentMessage } from '../wire/message.ts';
import { chatFor, lockedChatFor } from './access.ts';
import { allMessagesOf, historyEntriesOf, insertHistoryEntries, lastHistoryPosition } from './statements.ts';

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

export interface TranscriptLine {
  sender: string;
  message: string;
  created: number;
  type: string;
  /** Only on an internal note (`agents`), which only a reader of notes gets. */
  visibility?: 'agents';
}

/** GET /chats/{id}/history — the whole conversation: imported bot lines, then the chat's messages. */
export async function exportHistory(ctx: Ctx, actor: Actor, chatId: string): Promise<TranscriptLine[]> {
  const chat = await chatFor(ctx, actor, chatId, 'view');
  const imported = await listHistoryEntries(ctx.store.db, chat.row.id);
  const messages = await allMessagesOf(ctx.store.db, chatId, { notes: mayReadNotes(actor) });
  return [
    ...imported.map((h) => ({
      sender: h.sender,
      message: h.message,
      created: h.created,
      type: h.type ?? 'text',
    })),
    ...messages.map(presentMessage).map((m) => ({
      sender: m.sender,
      message: typeof m.message === 'string' ? m.message : JSON.stringify(m.message),
      created: m.created,
      type: m.type,
      ...(m.visibility === 'agents' ? { visibility: m.visibility } : {}),
    })),
  ];
}

export function csvField(value: string | number): string {
  const text = String(value);
  // Quote fields that CSV needs quoted, and neutralise spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The CSV download: a file that leaves the server and gets forwarded, so it never holds an internal
 * note, whoever downloads it (the JSON export marks them for readers of notes).
 */
export function historyCsv(all: TranscriptLine[]): string {
  const header = 'created,sender,type,message';
  const lines = all.filter((line) => line.visibility !== 'agents');
  return (
    [header, ...lines.map((l) => [l.created, l.sender, l.type, l.message].map(csvField).join(','))].join(
      '\r\n',
    ) + '\r\n'
  );
}
