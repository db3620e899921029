/** The objects of docs/api.md ("Shapes") as the web apps read them. */

export interface User {
  id: string;
  name: string;
  nickname?: string;
  contact?: string;
  externalId?: string;
  extraInfo: Record<string, unknown>;
  role: 'user' | 'agent';
  status?: 'online' | 'away' | 'offline';
  rooms?: number[];
  langs?: string[];
  maxChats?: number;
  chats: string[];
  created: number;
}

export type AgentStatus = 'online' | 'away' | 'offline';

export interface HistoryEntry {
  sender: string;
  message: string;
  created: number;
  type?: 'text' | 'object';
}

export interface Chat {
  id: string;
  creator: string;
  room: number;
  lang: string;
  status: 'waiting' | 'active' | 'closed';
  inQueue: boolean;
  queuePosition: number | null;
  priority: number;
  users: string[] | User[];
  created: number;
  closed?: number;
  closedBy?: string;
  ticketId?: string;
  history?: HistoryEntry[];
}

export interface MediaRef {
  id: string;
  url: string;
  type: string;
  name: string;
  size: number;
}

export interface Message {
  id: string;
  chat: string;
  sender: string;
  type: 'text' | 'media' | 'object' | 'system';
  message: string | MediaRef;
  seq: number;
  created: number;
}

export interface Invitation {
  id: string;
  chatId: string;
  userId: string;
  status: 'pending' | 'accepted' | 'rejected' | 'expired' | 'cancelled';
  transfer: boolean;
  created: number;
  expires: number;
}

export interface Room {
  id: number;
  name: string;
  langs?: string[];
}

export interface Settings {
  rooms: Room[];
  langs: string[];
  queue: { active: boolean };
  assign: {
    onCreate: boolean;
    timeout: number;
    maxAttempts: number;
    algorithm: 'least-busy' | 'round-robin';
    maxChatsPerAgent: number;
    autoAccept: boolean;
  };
  presence: { reconnectGrace: number };
  chats: { inactivityTimeout: number };
  tickets: { createOnClose: boolean };
  media: { maxBytes: number; allowedTypes: string[] };
  auth: { requireDomainKey: boolean };
}

export interface App {
  id: string;
  name: string;
  domains: string[];
  created: number;
}

export interface Session {
  token: string;
  expires: number;
}
