import type { AgentStatus, Chat, Message, Settings, User } from '../src/lib/sdk.ts';
import { SwitchboardError } from '../src/lib/sdk.ts';

/** What the console remembers of a signed-in agent (sessionStorage: a reload keeps the tab signed in). */
export interface SavedSession {
  baseUrl: string;
  appId: string;
  token: string;
  agent: User;
}

export interface PendingInvitation {
  id: string;
  chatId: string;
  expires: number;
  /** When the countdown started (the invitation's `created`, or when it reached this tab). */
  started: number;
  visitorName: string;
  transfer: boolean;
}

export interface ChatView {
  chat: Chat;
  visitor: User | undefined;
  messages: Message[];
  unread: number;
  /** The visitor is typing. */
  typing: boolean;
  /** The visitor's connection dropped (reconnect grace running). */
  away: boolean;
  /** Highest `seq` of my messages the visitor has read. */
  readSeq: number;
  closed: boolean;
  loaded: boolean;
}

/** One open chat on the Monitor: its visitor's name and its last line (notes included). */
export interface MonitorRow {
  chat: Chat;
  visitor: string;
  last: Message | undefined;
}

/** The supervisor's Monitor (console/monitor.ts). */
export interface MonitorState {
  rows: MonitorRow[];
  loaded: boolean;
  /** Chats this person watches. */
  watching: string[];
  /** The watched chat shown. */
  open: string | undefined;
  /** The live transcript of each watched chat. */
  transcripts: Record<string, Message[]>;
}

/** Which view the console shows: the agent's own chats, its past chats, or (those who oversee rooms) the Monitor and the reports. */
export type ConsoleTab = 'chats' | 'history' | 'monitor' | 'reports';

export interface ConsoleState {
  agent: User;
  status: AgentStatus;
  connected: boolean;
  /** Set at the first connection, or when it takes too long: the banner waits for one of them. */
  everConnected: boolean;
  settings: Settings | undefined;
  invitations: PendingInvitation[];
  chats: Record<string, ChatView>;
  order: string[];
  selected: string | undefined;
  queue: Chat[];
  /** Names of the visitors waiting in the queue and of the app's agents, by id. */
  names: Record<string, string>;
  /** A failed action, shown until the next one. */
  error: string | undefined;
  tab: ConsoleTab;
  monitor: MonitorState;
}

/** Supervisors and admins oversee chats (docs/people.md): they get the Monitor. */
export const supervises = (agent: User): boolean => agent.role === 'supervisor' || agent.role === 'admin';

export const now = () => Math.floor(Date.now() / 1000);

/** The state of a console that has just signed in. */
export function initialState(agent: User): ConsoleState {
  return {
    agent,
    status: agent.status ?? 'online',
    connected: false,
    everConnected: false,
    settings: undefined,
    invitations: [],
    chats: {},
    order: [],
    selected: undefined,
    queue: [],
    names: {},
    error: undefined,
    tab: 'chats',
    monitor: { rows: [], loaded: false, watching: [], open: undefined, transcripts: {} },
  };
}

export const UNREACHABLE = 'The server cannot be reached. Check your connection and try again.';

export function mergeMessages(a: Message[], b: Message[]): Message[] {
  const byId = new Map<string, Message>();
  for (const m of [...a, ...b]) byId.set(m.id, m);
  return [...byId.values()].sort((x, y) => x.seq - y.seq);
}

export function describe(error: unknown): string {
  if (error instanceof SwitchboardError) {
    if (error.status === 0) return UNREACHABLE;
    return error.message;
  }
  // fetch itself rejects with a TypeError when the server is gone.
  if (error instanceof TypeError) return UNREACHABLE;
  return error instanceof Error ? error.message : String(error);
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The server did not answer in time. Try again.')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
