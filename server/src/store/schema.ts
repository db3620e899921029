import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ServerKeysTable, SurveyResponsesTable } from './survey-tables.ts';
import type {
  WebhookAttemptsTable,
  WebhookCursorsTable,
  WebhookDeliveriesTable,
  WebhooksTable,
} from './webhook-tables.ts';

/**
 * The store's tables as Kysely sees them (camelCase here, snake_case in the database).
 * JSON-valued columns are kept as text so one query layer serves SQLite and PostgreSQL alike;
 * times are Unix seconds, booleans are 0/1 integers.
 */
export interface AppsTable {
  id: string;
  name: string;
  domains: string;
  secretHash: string;
  domainKeyHash: string;
  /** The secret rotated away from, still opening the app until `previousSecretUntil` (ms). */
  previousSecretHash: Generated<string | null>;
  previousSecretUntil: Generated<number | null>;
  settings: string;
  /** The last event position handed out in this app (see EventsTable.position). */
  eventPosition: Generated<number>;
  created: number;
}

export interface UsersTable {
  id: string;
  appId: string;
  role: 'user' | 'agent';
  name: string;
  nickname: string | null;
  contact: string | null;
  externalId: string | null;
  extraInfo: string;
  providerId: string | null;
  passwordHash: string | null;
  status: 'online' | 'away' | 'offline' | null;
  rooms: string | null;
  /** Rooms an agent logged out of while staying logged in elsewhere. */
  offRooms: string;
  langs: string | null;
  maxChats: number | null;
  /** Open chats the agent takes part in; the atomic capacity counter. */
  activeChats: Generated<number>;
  lastInvited: Generated<number>;
  /** 1 = may sign in; 0 = deactivated (or deleted: anonymised), kept for its transcripts. */
  active: Generated<number>;
  created: number;
  /** An agent's role in its team (docs/people.md); null for end users. */
  agentRole: AgentRole | null;
  /** When the end user was erased (docs/privacy.md); null otherwise. */
  erased: Generated<number | null>;
}

/** What a person of the team may do beyond serving its rooms (docs/people.md). */
export type AgentRole = 'agent' | 'supervisor' | 'admin';

/** Throttle failure counters (limits/throttle.ts): failures of `key` in the window ending at `resetsAt`. */
export interface ThrottleCountersTable {
  key: string;
  failures: number;
  resetsAt: number;
}

/** A single sign-on sent to the provider (sso/): keyed by the digest of its `state`. */
export interface SsoLoginsTable {
  key: string;
  appId: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
  expires: number;
}

/** A confirmed single sign-on waiting for the console (sso/): keyed by the digest of its one-time code. */
export interface SsoHandoffsTable {
  key: string;
  appId: string;
  agentId: string;
  expires: number;
}

/** An app's opening hours (apps/timetable.ts) as JSON text. */
export interface WorkTimetablesTable {
  appId: string;
  timetable: string;
}

export interface SessionsTable {
  tokenHash: string;
  appId: string;
  userId: string;
  expires: number;
  created: number;
}

export interface ChatsTable {
  id: string;
  appId: string;
  creator: string;
  room: number;
  lang: string;
  source: number;
  externalId: string | null;
  status: 'waiting' | 'active' | 'closed';
  inQueue: Generated<number>;
  priority: number;
  lastSeq: Generated<number>;
  lastActivity: number;
  created: number;
  closed: number | null;
  closedBy: string | null;
  ticketId: string | null;
  /** Chats ahead in the room's queue, kept current for queued chats (null outside the queue). */
  queuePosition: number | null;
  /** The chat's tags, a JSON list of strings (`[]` when untagged). */
  tags: string;
  /** How many watch the chat (chatWatchers), kept with those rows. */
  watchers: number;
  /** The first rating answer of the chat's survey response (docs/surveys.md); null until answered. */
  rating: number | null;
  /** When the retention job erased the chat's text (docs/privacy.md); null otherwise. */
  erased: Generated<number | null>;
}

/** A canned response (docs/web.md): shared (`ownerId` null) or one agent's own. */
export interface CannedResponsesTable {
  id: string;
  appId: string;
  ownerId: string | null;
  shortcut: string;
  title: string;
  text: string;
  /** The rooms it is for, a JSON list of room ids; null = every room. */
  rooms: string | null;
  created: number;
  updated: number;
}

/** A watcher of a chat (docs/people.md, "Supervision"): hears it, is no participant. */
export interface ChatWatchersTable {
  chatId: string;
  userId: string;
  appId: string;
  since: number;
}

export interface ChatUsersTable {
  chatId: string;
  userId: string;
  appId: string;
  joined: number;
}

/** Every agent that ever took part in a chat (docs/search.md): joining writes it, leaving keeps it. */
export interface ChatAgentsTable {
  userId: string;
  chatId: string;
  appId: string;
}

/** One row per tag of a chat, kept with `chats.tags`, so `?tag=` reads an index. */
export interface ChatTagsTable {
  appId: string;
  tag: string;
  chatId: string;
}

export interface MessagesTable {
  id: string;
  appId: string;
  chatId: string;
  sender: string;
  type: 'text' | 'media' | 'object' | 'system';
  /** The message text, or the media reference as JSON for `media` messages. */
  body: string;
  seq: number;
  clientId: string | null;
  /** Id of the `messages:new` event, returned again for an idempotent repeat. */
  eventId: string;
  created: number;
  /** `agents`: an internal note, never shown to an end user (events/notes.ts). */
  visibility: 'all' | 'agents';
}

export interface MessageReadsTable {
  messageId: string;
  userId: string;
  appId: string;
  created: number;
}

export interface HistoryEntriesTable {
  chatId: string;
  position: number;
  appId: string;
  sender: string;
  message: string;
  type: 'text' | 'object';
  created: number;
}

export interface MediaTable {
  id: string;
  appId: string;
  chatId: string;
  sender: string;
  name: string;
  type: string;
  size: number;
  /** The whole file for rows stored before migration 024; empty since (the bytes are in media_chunks). */
  bytes: Uint8Array;
  created: number;
  /** When the bytes were erased (docs/privacy.md): the row stays, its bytes are empty. */
  erased: Generated<number | null>;
}

/** A file's bytes, `position` 0, 1, … in order (migration 024). */
export interface MediaChunksTable {
  mediaId: string;
  position: number;
  bytes: Uint8Array;
}

export interface TicketsTable {
  id: string;
  appId: string;
  chatId: string;
  subject: string;
  transcript: string;
  created: number;
}

/** The outbox: every event, written in the transaction of the change that caused it. */
export interface EventsTable {
  seq: Generated<number>;
  id: string;
  appId: string;
  /**
   * Per-app position, gap-free within the app: the cursor of readers. On PostgreSQL NULL between the
   * writer's commit and the sequencer's pass (events/sequencer.ts); every reader selects a position
   * range, so it never reads such a row. The PostgreSQL-only `xid` and `audience` columns (migration
   * 010) are written and read by the outbox and the sequencer alone, in raw SQL.
   */
  position: number;
  trigger: string;
  chatId: string | null;
  userId: string | null;
  data: string;
  created: number;
}

/** A durable timer: fires at `due` (ms) on whichever node claims it; one per (kind, ref). */
export interface TimersTable {
  kind: string;
  ref: string;
  appId: string;
  due: number;
  claimedUntil: number | null;
  payload: Generated<string>;
  attempts: Generated<number>;
}

export interface InvitationsTable {
  id: string;
  appId: string;
  chatId: string;
  userId: string;
  inviterId: string | null;
  status: 'pending' | 'accepted' | 'rejected' | 'expired' | 'cancelled';
  transfer: number;
  attempt: number | null;
  loopId: string | null;
  created: number;
  expires: number;
}

/** The invitation loop of a chat (docs/routing.md): one row per chat, reused by each new loop. */
export interface AssignmentsTable {
  chatId: string;
  appId: string;
  loopId: string;
  status: 'running' | 'stopped';
  attempt: number;
  maxAttempts: number;
  interval: number;
  algorithm: 'least-busy' | 'round-robin';
  /** Agents already invited in this loop (JSON array). */
  invited: string;
  updated: number;
}

/** One audit entry (server/src/audit/, docs/security.md "Audit log"); `changes` is JSON text. */
export interface AuditEntriesTable {
  id: string;
  appId: string;
  /** Unix seconds. */
  at: number;
  actorKind: 'secret' | 'agent' | 'admin-key' | 'system';
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string;
  targetId: string;
  ip: string | null;
  changes: string | null;
}

export interface Database {
  timers: TimersTable;
  invitations: InvitationsTable;
  assignments: AssignmentsTable;
  apps: AppsTable;
  users: UsersTable;
  sessions: SessionsTable;
  throttleCounters: ThrottleCountersTable;
  ssoLogins: SsoLoginsTable;
  ssoHandoffs: SsoHandoffsTable;
  workTimetables: WorkTimetablesTable;
  chats: ChatsTable;
  chatUsers: ChatUsersTable;
  chatWatchers: ChatWatchersTable;
  chatAgents: ChatAgentsTable;
  chatTags: ChatTagsTable;
  cannedResponses: CannedResponsesTable;
  surveyResponses: SurveyResponsesTable;
  serverKeys: ServerKeysTable;
  messages: MessagesTable;
  messageReads: MessageReadsTable;
  historyEntries: HistoryEntriesTable;
  media: MediaTable;
  mediaChunks: MediaChunksTable;
  tickets: TicketsTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  webhookDeliveries: WebhookDeliveriesTable;
  webhookAttempts: WebhookAttemptsTable;
  webhookCursors: WebhookCursorsTable;
  auditEntries: AuditEntriesTable;
}

export type AppRow = Selectable<AppsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ChatRow = Selectable<ChatsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type MediaRow = Selectable<MediaTable>;
export type TicketRow = Selectable<TicketsTable>;
export type EventRow = Selectable<EventsTable>;
export type TimerRow = Selectable<TimersTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type AssignmentRow = Selectable<AssignmentsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookAttemptsTable>;
export type HistoryEntryRow = Selectable<HistoryEntriesTable>;
export type CannedRow = Selectable<CannedResponsesTable>;
export type AuditRow = Selectable<AuditEntriesTable>;
export type SurveyResponseRow = Selectable<SurveyResponsesTable>;
