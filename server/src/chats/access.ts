import type { Ctx } from '../context.ts';
import { conflict, forbidden, notFound } from '../errors.ts';
import type { Actor } from '../policies/actor.ts';
import type { Db } from '../store/database.ts';
import type { ChatRow, UserRow } from '../store/schema.ts';

/** A chat with its current participants, as policies need it. */
export interface LoadedChat {
  row: ChatRow;
  users: string[];
}

export async function participantsOf(db: Db, chatId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('chatUsers')
    .select('userId')
    .where('chatId', '=', chatId)
    .orderBy('joined')
    .orderBy('userId')
    .execute();
  return rows.map((r) => r.userId);
}

export async function loadChat(db: Db, appId: string, id: string): Promise<LoadedChat> {
  const row = await db
    .selectFrom('chats')
    .selectAll()
    .where('id', '=', id)
    .where('appId', '=', appId)
    .executeTakeFirst();
  if (!row) throw notFound('Chat not found');
  return { row, users: await participantsOf(db, id) };
}

function agentRooms(user: UserRow): number[] {
  return JSON.parse(user.rooms ?? '[]') as number[];
}

export const isParticipant = (chat: LoadedChat, userId: string): boolean => chat.users.includes(userId);
export const isAgentOfRoom = (user: UserRow, chat: LoadedChat): boolean =>
  user.role === 'agent' && agentRooms(user).includes(chat.row.room);

/**
 * What a token may do with a chat. The app server (secret) may do everything.
 * - view: participants, the creator, and agents of the chat's room
 * - participate: current participants (send, read, close, …)
 * - agentInChat: an agent taking part in the chat
 * - agentOfRoom: an agent serving the chat's room
 * - creator: the end user who opened it
 */
export type ChatPermission = 'view' | 'participate' | 'agentInChat' | 'agentOfRoom' | 'creator';

export function mayOnChat(actor: Actor, chat: LoadedChat, permission: ChatPermission): boolean {
  const user = actor.user;
  if (user === null) return true;
  switch (permission) {
    case 'view':
      return isParticipant(chat, user.id) || chat.row.creator === user.id || isAgentOfRoom(user, chat);
    case 'participate':
      return isParticipant(chat, user.id);
    case 'agentInChat':
      return user.role === 'agent' && isParticipant(chat, user.id);
    case 'agentOfRoom':
      return isAgentOfRoom(user, chat);
    case 'creator':
      return chat.row.creator === user.id;
  }
}

/** Loads the chat and applies the policy: 404 when the actor may not even see it, 403 when it may only look. */
export async function chatFor(
  ctx: Ctx,
  actor: Actor,
  id: string,
  permission: ChatPermission,
): Promise<LoadedChat> {
  const chat = await loadChat(ctx.store.db, actor.app.id, id);
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
  if (!mayOnChat(actor, chat, permission)) throw forbidden('You may not do this in this chat');
  return chat;
}

export function requireOpen(chat: LoadedChat): void {
  if (chat.row.status === 'closed') throw conflict('Chat is closed');
}
