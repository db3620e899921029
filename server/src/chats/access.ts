import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import type { Db, Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { ChatRow, UserRow } from '../store/schema.ts';
import { conflict, forbidden, notFound } from '../util/errors.ts';

/** A chat with its current participants, as policies need it. */
export interface LoadedChat {
  row: ChatRow;
  users: string[];
}

const participantRows = prepare<{ chatId: string }, { userId: string }>((db, arg) =>
  db
    .selectFrom('chatUsers')
    .select('userId')
    .where('chatId', '=', arg('chatId'))
    .orderBy('joined')
    .orderBy('userId'),
);

const chatRow = prepare<{ id: string; appId: string }, ChatRow>((db, arg) =>
  db.selectFrom('chats').selectAll().where('id', '=', arg('id')).where('appId', '=', arg('appId')),
);

export async function participantsOf(db: Db | Tx, chatId: string): Promise<string[]> {
  const rows = await participantRows.all(db, { chatId });
  return rows.map((r) => r.userId);
}

export async function loadChat(db: Db | Tx, appId: string, id: string): Promise<LoadedChat> {
  const row = await chatRow.first(db, { id, appId });
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
