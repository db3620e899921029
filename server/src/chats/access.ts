import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { type ChatPermission, type LoadedChat, requireOnChat } from '../policies/chats.ts';
import { type Db, onPostgres, type Tx } from '../store/database.ts';
import { notFound } from '../util/errors.ts';
import { bumpSeqWithParticipants, type ChatWithParticipants, chatWithParticipants } from './send-sql.ts';
import { bumpSeqOfAppChat, chatOfApp, lockAny, participantRows } from './statements.ts';

export async function participantsOf(db: Db | Tx, chatId: string): Promise<string[]> {
  const rows = await participantRows.all(db, { chatId });
  return rows.map((r) => r.userId);
}

/** A chat read with its participants in one statement, as the policies take it. */
export function loadedChat({ participantIds, ...row }: ChatWithParticipants): LoadedChat {
  return { row, users: participantIds };
}

/** The chat and its participants (PostgreSQL: one statement; SQLite: two cheap ones). */
export async function loadChat(db: Db | Tx, appId: string, id: string): Promise<LoadedChat> {
  if (onPostgres(db)) {
    const found = await chatWithParticipants(db, id, appId);
    if (!found) throw notFound('Chat not found');
    return loadedChat(found);
  }
  const row = await chatOfApp.first(db, { id, appId });
  if (!row) throw notFound('Chat not found');
  return { row, users: await participantsOf(db, id) };
}

/**
 * The send path's first step: takes the chat's next seq (and with it the row lock), then its
 * participants as of that lock. PostgreSQL: one round trip unless the lock had to wait for a change
 * of the chat (see bumpSeqWithParticipants). A send that then fails a check rolls the seq back.
 */
export async function takeSeqOfChat(
  tx: Tx,
  appId: string,
  id: string,
  now: number,
): Promise<LoadedChat | undefined> {
  if (onPostgres(tx)) {
    const found = await bumpSeqWithParticipants(tx, { id, appId, now });
    if (found) return loadedChat(found);
  }
  const row = await bumpSeqOfAppChat.first(tx, { id, appId, now });
  return row ? { row, users: await participantsOf(tx, id) } : undefined;
}

/** Loads the chat (outside a change: reads only) and applies the chat policy `permission`. */
export async function chatFor(
  ctx: Ctx,
  actor: Actor,
  id: string,
  permission: ChatPermission,
): Promise<LoadedChat> {
  const chat = await loadChat(ctx.store.db, actor.app.id, id);
  requireOnChat(actor, chat, permission);
  return chat;
}

/**
 * The first step of a change to a chat: takes its row lock (PostgreSQL; SQLite transactions are
 * serial), then reads it and applies the policy, so the check sees exactly what the change will.
 */
export async function lockedChatFor(
  tx: Tx,
  actor: Actor,
  id: string,
  permission: ChatPermission,
): Promise<LoadedChat> {
  await lockAny.run(tx, { id });
  const chat = await loadChat(tx, actor.app.id, id);
  requireOnChat(actor, chat, permission);
  return chat;
}
