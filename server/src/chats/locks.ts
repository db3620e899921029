import type { Tx } from '../store/database.ts';
import { conflict } from '../util/errors.ts';
import { lockAny, lockOpen } from './statements.ts';

/**
 * Takes the chat's row lock (PostgreSQL; SQLite transactions are serial anyway) unless the chat is
 * closed. Background work that meets a closed chat just stops, so this answers instead of throwing.
 */
export async function lockIfOpen(tx: Tx, chatId: string): Promise<'open' | 'closed'> {
  const result = await lockOpen.run(tx, { id: chatId });
  return Number(result.numAffectedRows ?? 0) === 0 ? 'closed' : 'open';
}

/** lockIfOpen for commands: a closed chat is the client's 409. Every change to an open chat starts here. */
export async function lockOpenChat(tx: Tx, chatId: string): Promise<void> {
  if ((await lockIfOpen(tx, chatId)) === 'closed') throw conflict('Chat is closed');
}

/** Takes the chat's row lock whatever its status (PostgreSQL); the first step of routing's transactions. */
export async function lockChatRow(tx: Tx, chatId: string): Promise<void> {
  await lockAny.run(tx, { id: chatId });
}
