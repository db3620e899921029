import type { Db, Tx } from '../store/database.ts';

/**
 * The report projection's tables (migration 020-reports, docs/reports.md). Typed apart from
 * store/schema.ts, reached through reportDb. Every row is derived from the event log.
 */
export type ReportCheckpointsTable = { appId: string; position: number };

export type ReportChatsTable = {
  chatId: string;
  appId: string;
  room: number;
  creator: string;
  created: number;
  /** First `chats:join` of an agent. */
  firstJoin: number | null;
  /** First message of an agent that is not an internal note, and who sent it. */
  firstResponse: number | null;
  firstResponder: string | null;
  closed: number | null;
  closedBy: string | null;
  /** 1: closed by its end user while no agent was in it. */
  abandoned: number;
  /** 1: an agent serving its room was online at some moment while it waited for its first agent. */
  agentOnline: number;
  agentsPresent: number;
  /** Messages of people (end user, agents), notes and system lines excluded. */
  messages: number;
  rating: number | null;
};

export type ReportChatAgentsTable = { chatId: string; agentId: string; appId: string; joined: number };

export type ReportAgentsTable = {
  agentId: string;
  appId: string;
  status: 'online' | 'away' | 'offline';
  /** JSON array of the rooms it serves. */
  rooms: string;
  since: number;
};

export type ReportAgentIntervalsTable = {
  appId: string;
  agentId: string;
  status: 'online' | 'away' | 'offline';
  started: number;
  ended: number | null;
};

export type ReportTables = {
  reportCheckpoints: ReportCheckpointsTable;
  reportChats: ReportChatsTable;
  reportChatAgents: ReportChatAgentsTable;
  reportAgents: ReportAgentsTable;
  reportAgentIntervals: ReportAgentIntervalsTable;
};

export const reportDb = (db: Db | Tx) => (db as Db).withTables<ReportTables>();
export type ReportDb = ReturnType<typeof reportDb>;
