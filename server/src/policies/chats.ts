import { decodeRooms } from '../store/json.ts';
import type { ChatRow, UserRow } from '../store/schema.ts';
import { badRequest, conflict, forbidden, invalidField, notFound } from '../util/errors.ts';
import type { Actor } from './actor.ts';
import { roleOf, superviseRoom } from './people.ts';

/** A chat with its current participants, as the chat policies need it. */
export interface LoadedChat {
  row: ChatRow;
  users: string[];
}

export const isParticipant = (chat: LoadedChat, userId: string): boolean => chat.users.includes(userId);
export const isAgentOfRoom = (user: UserRow, chat: Pick<LoadedChat, 'row'>): boolean =>
  user.role === 'agent' && decodeRooms(user.rooms).includes(chat.row.room);

/**
 * What a token may do with a chat. The app server (secret, or an admin person) may do everything.
 * - view: participants, the creator, supervisors and agents of the chat's room
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
      return (
        isParticipant(chat, user.id) ||
        chat.row.creator === user.id ||
        superviseRoom(actor, chat.row.room) ||
        isAgentOfRoom(user, chat)
      );
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

/** 404 when the actor may not even see the chat, 403 when it may only look. */
export function requireOnChat(actor: Actor, chat: LoadedChat, permission: ChatPermission): void {
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
  if (!mayOnChat(actor, chat, permission)) throw forbidden('You may not do this in this chat');
}

export function requireOpen(chat: Pick<LoadedChat, 'row'>): void {
  if (chat.row.status === 'closed') throw conflict('Chat is closed');
}

/**
 * Which chats a caller may list (GET /chats, docs/search.md): the app server and admins all; an end
 * user the chats it opened or is in; an agent the chats it ever took part in and the open chats of its
 * rooms (its queue); a supervisor also every chat of its rooms, closed ones included.
 */
export type ChatListScope =
  | { kind: 'all' }
  | { kind: 'user'; userId: string }
  | { kind: 'staff'; userId: string; openRooms: number[]; allRooms: number[] };

export function chatListScope(actor: Actor): ChatListScope {
  const user = actor.user;
  if (!user) return { kind: 'all' };
  if (user.role !== 'agent') return { kind: 'user', userId: user.id };
  const rooms = decodeRooms(user.rooms);
  return roleOf(user) === 'supervisor'
    ? { kind: 'staff', userId: user.id, openRooms: [], allRooms: rooms }
    : { kind: 'staff', userId: user.id, openRooms: rooms, allRooms: [] };
}

/** Whether a search (`?q=`) also reads internal notes: only for staff, never for an end user. */
export const searchesNotes = (actor: Actor): boolean => actor.user === null || actor.user.role === 'agent';

/** POST /chats by a token: only an end user opens a chat, and only for themself. */
export function requireChatOpener(user: UserRow, creator: string | undefined): void {
  if (user.role !== 'user') throw forbidden('Only end users open chats');
  if (creator !== undefined && creator !== user.id) throw forbidden('creator must be your own user id');
}

/** POST /chats by the app server: the creator it names must be an end user. */
export function requireEndUserCreator(creator: UserRow): void {
  if (creator.role !== 'user')
    throw badRequest('creator must be an end user', [{ field: 'creator', message: 'is an agent' }]);
  // An erased end user (docs/privacy.md) opens nothing again: its chats would hold new personal text.
  if (creator.erased !== null) throw conflict('This user was erased');
}

/**
 * Who may ask to join: agents are the app's staff, so one of another room is told it may not join
 * (403, by requireJoiner), not that the chat does not exist. Others who cannot see the chat get 404.
 */
export function requireJoinAsker(actor: Actor, chat: LoadedChat): void {
  if (actor.user?.role !== 'agent' && !mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
}

/** Only an agent serving the chat's room joins it. */
export function requireJoiner(joiner: UserRow, chat: LoadedChat): void {
  if (joiner.role !== 'agent') throw forbidden('Only agents join chats');
  if (!decodeRooms(joiner.rooms).includes(chat.row.room))
    throw forbidden('The agent does not serve this chat’s room');
}

/** A bot conversation line imported into a chat (docs/conventions.md). */
export interface HistoryEntry {
  sender: string;
  message: string;
  created: number;
  type?: 'text' | 'object';
}

/**
 * Who a history line may name as its sender: a token speaks only for itself (or the bot,
 * `assistant`); the app server for the chat's people, the bot or `system`. Anything else would
 * let a caller put words in someone's mouth ("Refund approved" from an agent). A token naming
 * someone else is a 403 (it may not); the app naming a stranger is a 400 (no such sender here).
 */
export function checkHistorySenders(actor: Actor, people: readonly string[], entries: HistoryEntry[]): void {
  const self = actor.user?.id;
  entries.forEach((entry, i) => {
    const field = `history.${i}.sender`;
    if (self !== undefined) {
      if (entry.sender !== self && entry.sender !== 'assistant')
        throw forbidden(`${field} must be your own user id or "assistant"`);
      return;
    }
    if (entry.sender === 'assistant' || entry.sender === 'system' || people.includes(entry.sender)) return;
    throw invalidField(field, 'must be a participant of the chat, "assistant" or "system"');
  });
}
