import { findApp } from '../apps/apps.ts';
import { openChatsOf } from '../chats/statements.ts';
import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { cancelTimer, scheduleTimer } from '../timers/timers.ts';
import { GRACE_TIMER } from './grace.ts';
import {
  deadPresence,
  deleteDeadNodes,
  deleteNode,
  deletePresence,
  insertPresence,
  liveConnections,
  lockUser,
  renewNodeLease,
  timerDue,
  userById,
} from './statements.ts';

/**
 * Presence (docs/routing.md). A user is connected while they hold a realtime connection on any node.
 *
 * Each node counts its own connections per user in memory and keeps one row per (user, node) in
 * `realtime_presence` while that count is above zero; rows only count while their node's lease in
 * `realtime_nodes` holds, and the other nodes sweep the rows of a node whose lease ran out (a crash),
 * so a crashed node's users still go through the grace (presence/grace.ts), which a reconnect cancels
 * (announcing `reconnected`). Every transition of one user runs under a per-user lock (a PostgreSQL
 * advisory lock; SQLite transactions are serial), so a connect on one node and a disconnect on
 * another cannot interleave. The gateway reports connections; everything else is here.
 */
export interface PresenceOptions {
  nodeLeaseMs: number;
  log: (error: unknown, what: string) => void;
}

export interface Presence {
  readonly nodeId: string;
  /** Registers this node (its lease) before the first connection. */
  start(): Promise<void>;
  /** Counts a connection; resolves once the user's presence is written (and `reconnected` announced). */
  connected(appId: string, userId: string): Promise<void>;
  disconnected(appId: string, userId: string): void;
  /** Renews this node's lease and sweeps the rows of dead nodes. */
  maintain(): Promise<void>;
  /** Resolves when every presence transition started so far has been written. */
  idle(): Promise<void>;
  /** Drops this node's lease row (after its connections are gone). */
  stop(): Promise<void>;
}

interface LocalUser {
  appId: string;
  count: number;
  /** Whether this node's presence row is written. */
  recorded: boolean;
  chain: Promise<void>;
}

async function announce(
  emit: Emit,
  chats: string[],
  userId: string,
  type: 'disconnected' | 'reconnected',
  grace?: number,
): Promise<void> {
  for (const chatId of chats) {
    await emit({
      trigger: 'users:activity',
      chatId,
      data: { chatId, userId, type, ...(grace !== undefined ? { grace } : {}) },
    });
  }
}

export function createPresence(ctx: Ctx, nodeId: string, options: PresenceOptions): Presence {
  const local = new Map<string, LocalUser>();
  const renewLease = () => renewNodeLease(ctx.store.db, nodeId, Date.now() + options.nodeLeaseMs);

  /** This node's first connection of the user: record it; within a grace, the user is back. */
  async function arrive(appId: string, userId: string): Promise<void> {
    await commitChange(ctx, appId, async (tx, emit) => {
      await lockUser(tx, userId);
      await insertPresence(tx, { userId, nodeId, appId });
      if ((await timerDue(tx, GRACE_TIMER, userId)) === undefined) return;
      await cancelTimer(tx, GRACE_TIMER, userId);
      await announce(emit, await openChatsOf(tx, userId), userId, 'reconnected');
    });
  }

  /**
   * The user's connections on `fromNode` are gone: drop its row; when no live node holds one any more,
   * announce `disconnected` in each open chat and start the grace.
   */
  async function depart(appId: string, userId: string, fromNode: string): Promise<void> {
    const app = await findApp(ctx.store.db, appId);
    if (!app) return;
    await commitChange(ctx, appId, async (tx, emit) => {
      await lockUser(tx, userId);
      if (!(await deletePresence(tx, userId, fromNode))) return; // another node swept it already
      if ((await liveConnections(tx, userId)) > 0) return;
      const user = await userById(tx, userId);
      if (!user) return;
      const chats = await openChatsOf(tx, userId);
      // An end user without an open chat has nothing the grace could end; an agent still goes offline.
      if (user.role === 'user' && chats.length === 0) return;
      const grace = app.settings.presence.reconnectGrace;
      await announce(emit, chats, userId, 'disconnected', grace);
      await scheduleTimer(tx, { kind: GRACE_TIMER, ref: userId, appId, due: Date.now() + grace * 1000 });
    });
  }

  function sync(userId: string): Promise<void> {
    const entry = local.get(userId);
    if (!entry) return Promise.resolve();
    entry.chain = entry.chain
      .then(async () => {
        const want = entry.count > 0;
        if (want && !entry.recorded) {
          await arrive(entry.appId, userId);
          entry.recorded = true;
        } else if (!want && entry.recorded) {
          await depart(entry.appId, userId, nodeId);
          entry.recorded = false;
        }
      })
      .catch((error) => options.log(error, 'presence update failed'))
      .finally(() => {
        // Nothing connected and nothing written: forget the user (a later link, if any, is a no-op).
        if (entry.count === 0 && !entry.recorded && local.get(userId) === entry) local.delete(userId);
      });
    return entry.chain;
  }

  async function sweep(): Promise<void> {
    const now = Date.now();
    const dead = await deadPresence(ctx.store.db, nodeId, now);
    for (const row of dead) {
      await depart(row.appId, row.userId, row.nodeId).catch((error) =>
        options.log(error, 'presence sweep failed'),
      );
    }
    await deleteDeadNodes(ctx.store.db, now);
  }

  return {
    nodeId,
    async start() {
      await renewLease();
    },
    connected(appId, userId) {
      let entry = local.get(userId);
      if (!entry) {
        entry = { appId, count: 0, recorded: false, chain: Promise.resolve() };
        local.set(userId, entry);
      }
      entry.count++;
      return entry.count === 1 ? sync(userId) : entry.chain;
    },
    disconnected(_appId, userId) {
      const entry = local.get(userId);
      if (!entry || entry.count === 0) return;
      entry.count--;
      if (entry.count === 0) void sync(userId);
    },
    async maintain() {
      const kept = await renewLease();
      if (!kept) {
        // Our lease had lapsed and another node may have swept our rows: write them again.
        for (const [userId, entry] of local) {
          entry.recorded = false;
          void sync(userId);
        }
      }
      await sweep();
    },
    async idle() {
      for (;;) {
        const chains = new Set([...local.values()].map((e) => e.chain));
        await Promise.allSettled(chains);
        if ([...local.values()].every((e) => chains.has(e.chain))) return;
      }
    },
    async stop() {
      await deleteNode(ctx.store.db, nodeId);
    },
  };
}
