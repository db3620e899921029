import type { Chat as ChatView } from '../wire/chat.ts';
import type { Message as MessageView } from '../wire/message.ts';

/** Agent as offered to the `chats:assign` advisor (docs/webhooks.md). */
export interface AssignCandidate {
  id: string;
  name: string;
  nickname: string | null;
  capacity: number;
  maxChats: number;
  activeChats: number;
  rooms: number[];
  langs: string[];
}

/** Every trigger (docs/webhooks.md) with the exact shape of its `data`. */
export interface EventDataByTrigger {
  'chats:create': { chat: ChatView };
  'chats:join': { chatId: string; userId: string };
  'chats:leave': { chatId: string; userId: string };
  'chats:close': { chatId: string; userId: string; extraData?: Record<string, unknown> };
  'chats:assign': { chat: ChatView; agents: AssignCandidate[]; attempt: number; maxAttempts: number };
  'forever:alone': { chatId: string };
  'invitations:new': { chatId: string; userId: string; invitationId: string; expires: number };
  'invitations:accept': { chatId: string; userId: string };
  'messages:new': { message: MessageView };
  'messages:read': { messageId: string; chatId: string; userId: string };
  'queues:update': { chatId: string; userId: string; data: { queuePosition: number | null } };
  'system:info': { chatId?: string; data: { type: string; ticketId?: string; [key: string]: unknown } };
  'users:activity': {
    chatId: string;
    userId: string;
    type: 'writing' | 'not-writing' | 'disconnected' | 'reconnected';
    grace?: number;
  };
}

export type Trigger = keyof EventDataByTrigger;

/** The triggers webhooks may be registered for, in the order docs/webhooks.md lists them. */
export const TRIGGERS: readonly Trigger[] = [
  'chats:create',
  'chats:join',
  'chats:leave',
  'chats:close',
  'chats:assign',
  'forever:alone',
  'invitations:new',
  'invitations:accept',
  'messages:new',
  'messages:read',
  'queues:update',
  'system:info',
  'users:activity',
];

export function isTrigger(name: string): name is Trigger {
  return (TRIGGERS as readonly string[]).includes(name);
}

/** An event as the outbox stored it. `seq` is global; `position` orders the events of one app. */
export interface StoredEvent<T extends Trigger = Trigger> {
  seq: number;
  /** Per-app position: increases by one with each event of the app, in commit order. */
  position: number;
  id: string;
  appId: string;
  trigger: T;
  /** The chat the event concerns, when it concerns one: decides who hears it. */
  chatId: string | null;
  /** The one user the event is addressed to, when it has a single addressee (invitations, forever:alone). */
  userId: string | null;
  data: EventDataByTrigger[T];
  created: number;
  /** Realtime audience keys (`u:<userId>`, `r:<room>`), stored with the event; see events/audience.ts. */
  audience?: readonly string[];
}

/** What a command asks to be recorded; the outbox adds id, seq and time. */
export interface NewEvent<T extends Trigger = Trigger> {
  /** A pre-chosen id, when the change must reference its event (e.g. a message's eventId). */
  id?: string;
  trigger: T;
  chatId?: string | null;
  userId?: string | null;
  data: EventDataByTrigger[T];
}

/** The webhook envelope (docs/webhooks.md, "The envelope"). */
export function envelope(event: StoredEvent): {
  trigger: Trigger;
  appId: string;
  data: unknown;
  created_at: number;
} {
  return { trigger: event.trigger, appId: event.appId, data: event.data, created_at: event.created };
}
