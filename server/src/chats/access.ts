import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { type ChatPermission, type LoadedChat, requireOnChat } from '../policies/chats.ts';
import type { Db, Tx } from '../store/database.ts';
import { notFound } from '../util/errors.ts';
import { chatOfApp, lockAny, participantRows } from './statements.ts';

export async function participantsOf(db: Db | Tx, chatId: string): Promise<string[]> {
  const rows = await participantRows.all(db, { chatId });
  return rows.map((r) => r.userId);
}

export async function loadChat(db: Db | Tx, appId: string, id: string): Promise<LoadedChat> {
  const row = await chatOfApp.first(db, { id, appId });
  if (!row) throw notFound('Chat not found');
  return { row, users: await participantsOf(db, id) };
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
