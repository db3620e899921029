import { seesNotes, type Visibility } from '../events/notes.ts';
import type { MessageRow } from '../store/schema.ts';
import { badRequest, forbidden, notFound } from '../util/errors.ts';
import { type Actor, isAgent, isAppServer } from './actor.ts';
import { isParticipant, type LoadedChat, mayOnChat } from './chats.ts';
import { mayWhisper } from './supervision.ts';

type SendRequest = {
  sender?: string | undefined;
  type?: MessageRow['type'] | undefined;
  visibility?: Visibility | undefined;
};

/**
 * Who may write an internal note (on a chat it may send to, or watches: a whisper): the app server
 * and staff (agents, supervisors; an admin person acts as the app); never an end user.
 */
export function mayWriteNote(actor: Actor): boolean {
  return isAppServer(actor) || isAgent(actor);
}

/** Who may read notes: the one rule of events/notes.ts, for an actor. */
export function mayReadNotes(actor: Actor): boolean {
  return seesNotes(actor.user);
}

/** A note is as absent as an unknown message to whoever may not read notes. */
export function requireVisibleMessage(actor: Actor, row: Pick<MessageRow, 'visibility'>): void {
  if (row.visibility === 'agents' && !mayReadNotes(actor)) throw notFound('Message not found');
}

/**
 * Who a send would be from, and as what type, before any check: a token sends as its user, the app
 * as the sender it names or `system` (an admin person: itself). What messageSender answers when it allows the send.
 */
export function claimedSender(
  actor: Actor,
  input: SendRequest,
): { sender: string; type: MessageRow['type'] } {
  const sender = actor.user ? actor.user.id : (input.sender ?? actor.person?.id ?? 'system');
  return { sender, type: input.type ?? (sender === 'system' ? 'system' : 'text') };
}

/**
 * Who sends, and as what type: the checks of docs/api.md against the chat as read in the transaction.
 * `watchers`: the chat's watchers, read for notes only; a watcher may write notes (whisper) without
 * taking part (docs/people.md, "Supervision").
 */
export function messageSender(
  actor: Actor,
  chat: LoadedChat,
  input: SendRequest,
  watchers: readonly string[] = [],
): { sender: string; type: MessageRow['type'] } {
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
  const claimed = claimedSender(actor, input);
  const whisper = mayWhisper(input.visibility, watchers, claimed.sender);
  if (!whisper && !mayOnChat(actor, chat, 'participate')) throw forbidden('You may not do this in this chat');
  if (actor.user) {
    if (input.sender !== undefined && input.sender !== actor.user.id)
      throw forbidden('sender must be your own user id');
    if (input.type === 'system') throw forbidden('Only the app may send system messages');
  } else if (claimed.sender !== 'system' && !whisper && !isParticipant(chat, claimed.sender)) {
    throw forbidden('The sender is not in this chat');
  }
  if (input.visibility === 'agents' && !mayWriteNote(actor))
    throw forbidden('Only agents may write internal notes');
  return claimed;
}

/** PUT /messages/{id}/read: the reader is a participant; a token reads only as itself, an admin by default. */
export function messageReader(actor: Actor, chat: LoadedChat, named: string | undefined): string {
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Message not found');
  let reader: string | undefined;
  if (actor.user) {
    if (named !== undefined && named !== actor.user.id) throw forbidden('userId must be your own user id');
    reader = actor.user.id;
  } else {
    reader = named ?? actor.person?.id;
    if (reader === undefined)
      throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
  }
  if (!isParticipant(chat, reader)) throw forbidden('The reader is not in this chat');
  return reader;
}

/** POST /media: the uploader is a participant; a token uploads only as itself, the app names one (an admin: itself by default). */
export function mediaSender(actor: Actor, chat: LoadedChat, named: string | undefined): string {
  if (actor.user) {
    if (named !== undefined && named !== actor.user.id) throw forbidden('senderId must be your own user id');
    return actor.user.id;
  }
  const sender = named ?? actor.person?.id;
  if (sender === undefined)
    throw badRequest('senderId is required', [{ field: 'senderId', message: 'is required' }]);
  if (!isParticipant(chat, sender)) throw forbidden('The sender is not in this chat');
  return sender;
}

/** GET /media/{id}: the app, or a token that may see the media's chat. */
export function requireMediaViewer(actor: Actor, chat: LoadedChat | undefined): void {
  if (chat && !mayOnChat(actor, chat, 'view')) throw notFound('Media not found');
}
