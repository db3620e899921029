import type { BodyOf, Chat, Message, QueryOf, ResponseOf, User } from './types.ts';

/** The `data` of each trigger (docs/webhooks.md), the same over webhooks, realtime and the stream. */
export interface EventData {
  'chats:create': { chat: Chat };
  'chats:join': { chatId: string; userId: string };
  'chats:leave': { chatId: string; userId: string };
  'chats:close': { chatId: string; userId: string; extraData?: Record<string, unknown> };
  'chats:assign': {
    chat: Chat;
    agents: Array<{
      id: string;
      name: string;
      nickname?: string | null;
      capacity: number;
      maxChats: number;
      activeChats: number;
      rooms: number[];
      langs: string[];
    }>;
    attempt: number;
    maxAttempts: number;
  };
  'forever:alone': { chatId: string };
  'invitations:new': { chatId: string; userId: string; invitationId: string; expires: number };
  'invitations:accept': { chatId: string; userId: string };
  'messages:new': { message: Message };
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

export type Trigger = keyof EventData;

/** The webhook envelope (docs/webhooks.md), one member per trigger so `data` narrows on `trigger`. */
export type WebhookEnvelope = {
  [K in Trigger]: { trigger: K; appId: string; data: EventData[K]; created_at: number };
}[Trigger];

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

/** What a realtime connection reports about itself, beside the triggers. */
export interface ConnectionEventData {
  /** A session began (first connection and every reconnection): the server's session frame. */
  connected: { user: User | null; cursor: string; heartbeat: number };
  /** The socket closed; `willReconnect` is false after `close()` or refused credentials (4001). */
  disconnected: { code: number; reason: string; willReconnect: boolean };
  /** The replay after a reconnection is complete. */
  resumed: { replayed: number };
  /** The cursor could not be resumed: refetch state over REST; the stream carries on from `cursor`. */
  'resync-required': { cursor: string };
}

export type RealtimeEventData = EventData & ConnectionEventData;
export type RealtimeEventName = keyof RealtimeEventData;

/** The second argument of every handler. */
export interface EventMeta {
  event: string;
  /** The cursor of this frame (the connection's cursor for `connected`/`disconnected`). */
  cursor: string | undefined;
}

/** Client → server requests over `/v1/ws` (docs/realtime.md), each typed like its REST twin. */
export interface RealtimeRequests {
  'chats:create': { data: BodyOf<'/v1/chats', 'post'>; result: ResponseOf<'/v1/chats', 'post'> };
  'chats:get': { data: { chatId: string; fields?: string }; result: ResponseOf<'/v1/chats/{id}', 'get'> };
  'chats:assign': {
    data: { chatId: string } & QueryOf<'/v1/chats/{id}/assign', 'post'>;
    result: ResponseOf<'/v1/chats/{id}/assign', 'post'>;
  };
  'chats:join': {
    data: { chatId: string; userId?: string };
    result: ResponseOf<'/v1/chats/{id}/join', 'post'>;
  };
  'chats:leave': {
    data: { chatId: string; userId?: string };
    result: ResponseOf<'/v1/chats/{id}/leave', 'put'>;
  };
  'chats:close': {
    data: { chatId: string; userId?: string; extraData?: Record<string, unknown> };
    result: ResponseOf<'/v1/chats/{id}', 'delete'>;
  };
  'messages:new': {
    data: { chatId: string } & BodyOf<'/v1/chats/{id}/messages', 'post'>;
    result: ResponseOf<'/v1/chats/{id}/messages', 'post'>;
  };
  'messages:read': {
    data: { messageId: string; userId?: string };
    result: ResponseOf<'/v1/messages/{id}/read', 'put'>;
  };
  'users:activity': {
    data: { chatId: string; type: 'writing' | 'not-writing'; userId?: string };
    result: ResponseOf<'/v1/users/{id}/activity', 'post'>;
  };
  'history:import': {
    data: { chatId: string } & BodyOf<'/v1/chats/{id}/history', 'post'>;
    result: ResponseOf<'/v1/chats/{id}/history', 'post'>;
  };
  'users:chats': {
    data: { userId?: string; status?: string; room?: number; limit?: number; cursor?: string };
    result: ResponseOf<'/v1/chats', 'get'>;
  };
  'invitations:accept': {
    data: { chatId: string; userId?: string };
    result: ResponseOf<'/v1/invitations/accept', 'post'>;
  };
  'invitations:reject': {
    data: { chatId: string; userId?: string };
    result: ResponseOf<'/v1/invitations/reject', 'post'>;
  };
  'agents:status': {
    data: { status: 'online' | 'away' | 'offline'; agentId?: string };
    result: ResponseOf<'/v1/agents/{id}', 'put'>;
  };
}

export type RealtimeRequestName = keyof RealtimeRequests;
