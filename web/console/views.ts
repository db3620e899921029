import { bytes } from '../src/lib/format.ts';
import type { Invitation, Message, Settings } from '../src/lib/sdk.ts';
import { SwitchboardError } from '../src/lib/sdk.ts';
import type { ChatDetail } from './loaders.ts';
import {
  type ChatView,
  type ConsoleState,
  describe,
  mergeMessages,
  now,
  type PendingInvitation,
} from './state.ts';

/** How the console's state changes with each thing that happens: pure functions, no I/O. */

export function newChatView(detail: ChatDetail): ChatView {
  return {
    chat: detail.chat,
    visitor: detail.visitor,
    messages: detail.messages,
    unread: 0,
    typing: false,
    away: false,
    readSeq: 0,
    closed: detail.chat.status === 'closed',
    loaded: true,
  };
}

/** A message joins its chat once (by id); it counts as unread unless seen (mine, or the chat on screen). */
export function withMessage(view: ChatView, message: Message, seen: boolean): Partial<ChatView> {
  const known = view.messages.some((m) => m.id === message.id);
  return {
    messages: mergeMessages(view.messages, [message]),
    unread: seen || known ? view.unread : view.unread + 1,
    typing: message.sender === view.chat.creator ? false : view.typing,
  };
}

/**
 * The other side read a message: every one of mine up to its seq is read. A colleague's read of an
 * internal note says nothing of what the visitor read.
 */
export function withRead(view: ChatView, messageId: string): Partial<ChatView> {
  const read = view.messages.find((m) => m.id === messageId);
  if (read?.visibility === 'agents') return {};
  return { readSeq: Math.max(view.readSeq, read?.seq ?? 0) };
}

/** The visitor's typing and connection (users:activity). */
export function activityPatch(type: string): Partial<ChatView> {
  if (type === 'writing' || type === 'not-writing') return { typing: type === 'writing' };
  if (type === 'disconnected' || type === 'reconnected')
    return { away: type === 'disconnected', typing: false };
  return {};
}

/** The chat leaves the list (transferred away, back to the queue, dismissed). */
export function withoutChat(state: ConsoleState, chatId: string): Partial<ConsoleState> {
  const { [chatId]: _gone, ...chats } = state.chats;
  const order = state.order.filter((id) => id !== chatId);
  return { chats, order, selected: state.selected === chatId ? order[0] : state.selected };
}

/** Why an upload was refused, in a sentence that names the file and the rule. */
export function uploadRefusal(error: unknown, file: File, media: Settings['media'] | undefined): string {
  if (error instanceof SwitchboardError && error.status === 413) {
    return `“${file.name}” is too large${media ? `: the limit is ${bytes(media.maxBytes)}` : ''}.`;
  }
  if (error instanceof SwitchboardError && error.status === 403) {
    const allowed = media ? `: allowed types are ${media.allowedTypes.join(', ')}` : '';
    return `“${file.name}” cannot be sent${allowed}.`;
  }
  return describe(error);
}

/** An invitation as the console shows it; its countdown starts at `created` (never in the future). */
export function pendingOf(invitation: Invitation): PendingInvitation {
  return {
    id: invitation.id,
    chatId: invitation.chatId,
    expires: invitation.expires,
    started: Math.min(invitation.created, now()),
    visitorName: 'Visitor',
    transfer: invitation.transfer,
  };
}
