/** The server's shapes the widget reads (docs/api.md, as much as it uses), and the view's state. */

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

export interface Chat {
  id: string;
  status: 'waiting' | 'active' | 'closed';
  inQueue: boolean;
  queuePosition: number | null;
  users: Array<string | { id: string; name?: string; nickname?: string; role?: string }>;
  creator: string;
}

export interface User {
  id: string;
  name?: string;
  nickname?: string;
  role?: string;
}

export interface Session {
  user: User;
  session: { token: string; expires: number };
}

export interface MediaSettings {
  maxBytes: number;
  allowedTypes: string[];
}

/** A message on screen: a server message, or one of ours still on its way. */
export interface Line {
  key: string;
  id?: string;
  clientId?: string;
  sender: string;
  type: Message['type'];
  message: string | MediaRef;
  seq: number;
  created: number;
  state: 'sending' | 'sent' | 'failed';
  error?: string;
}

export type Phase =
  | 'loading'
  | 'prechat'
  | 'offline'
  | 'starting'
  | 'waiting'
  | 'active'
  | 'closed'
  /** A message was left (no agent): the chat closed into a ticket. */
  | 'left';

export interface ViewState {
  phase: Phase;
  me: string | undefined;
  name: string;
  email: string;
  chatId: string | undefined;
  lines: Line[];
  inQueue: boolean;
  queuePosition: number | null;
  /** Names of the agents in the chat now, by id. */
  agents: Record<string, string>;
  /** Names of everyone who has been in the chat (a transferred agent's lines keep their name). */
  names: Record<string, string>;
  typing: string | undefined;
  /** Ids of our messages someone else has read. */
  read: Record<string, true>;
  /** The socket is down while a session exists. */
  offline: boolean;
  /** `forever:alone`: nobody can take the chat now. */
  alone: boolean;
  error: string | undefined;
  notice: string | undefined;
  busy: boolean;
  unread: number;
}

export function initialState(name: string, email: string): ViewState {
  return {
    phase: 'loading',
    me: undefined,
    name,
    email,
    chatId: undefined,
    lines: [],
    inQueue: false,
    queuePosition: null,
    agents: {},
    names: {},
    typing: undefined,
    read: {},
    offline: false,
    alone: false,
    error: undefined,
    notice: undefined,
    busy: false,
    unread: 0,
  };
}
