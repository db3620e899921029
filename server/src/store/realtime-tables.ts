import type { Db, Tx } from './database.ts';

/**
 * The realtime tables (migration 005-realtime): the audience the outbox writes (events/audience.ts) and
 * the realtime log reads, and the presence rows (presence/). Typed apart from schema.ts, reached
 * through rtDb/rtTx.
 */
export type RealtimeAudienceTable = {
  appId: string;
  /** `u:<userId>` — that user; `r:<room>` — the agents of the room. */
  key: string;
  position: number;
  created: number;
};

export type RealtimeNodesTable = {
  id: string;
  /** Unix ms until which the node's presence rows count; renewed while the node lives. */
  aliveUntil: number;
};

export type RealtimePresenceTable = {
  userId: string;
  nodeId: string;
  appId: string;
  since: number;
};

export type RealtimeTables = {
  realtimeAudience: RealtimeAudienceTable;
  realtimeNodes: RealtimeNodesTable;
  realtimePresence: RealtimePresenceTable;
};

export const rtDb = (db: Db) => db.withTables<RealtimeTables>();
export const rtTx = (tx: Tx) => tx.withTables<RealtimeTables>();
