import { sql } from 'kysely';
import { type App, findApp } from '../apps/apps.ts';
import { closeChatInTx, lockOpenChat, removeFromChat } from '../chats/chats.ts';
import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { routeAfterLeave, routeAgentAvailability } from '../routing/hooks.ts';
import { onPostgres, type Tx } from '../store/database.ts';
import type { TimerRow } from '../store/schema.ts';
import { cancelTimer, scheduleTimer } from '../timers/timers.ts';
import { isDomainError } from '../util/errors.ts';
import { rtDb, rtTx } from './tables.ts';

/**
 * Presence (spec section 6). A user is connected while they hold a realtime connection on any node.
 *
 * Each node counts its own connections per user in memory and keeps one row per (user, node) in
 * `realtime_presence` while that count is above zero; rows only count while their node's lease in
 * `realtime_nodes` holds, and the other nodes sweep the rows of a node whose lease ran out (a crash),
 * so a crashed node's users still go through the grace. The reconnect grace itself is the durable
 * timer `presence.reconnectGrace` (ref = user id): its existence *is* the "disconnected, may come
 * back" state, so a reconnect cancels it and announces `reconnected`, and its expiry acts once.
 * Every transition of one user runs under a per-user lock (a PostgreSQL advisory lock; SQLite
 * transactions are serial), so a connect on one node and a disconnect on another cannot interleave.
 */
export const GRACE_TIMER = 'presence.reconnectGrace';

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
  graceHandler(timer: TimerRow): Promise<void>;
}

interface LocalUser {
  appId: string;
  count: number;
  /** Whether this node's presence row is written. */
  recorded: boolean;
  chain: Promise<void>;
}

async function lockUser(tx: Tx, userId: string): Promise<void> {
  if (onPostgres(tx))
    await sql`select pg_advisory_xact_lock(hashtextextended(${`presence:${userId}`}, 0))`.execute(tx);
}

async function openChatsOf(tx: Tx, userId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('chatUsers')
    .innerJoin('chats', 'chats.id', 'chatUsers.chatId')
    .select('chats.id')
    .where('chatUsers.userId', '=', userId)
    .where('chats.status', '<>', 'closed')
    .orderBy('chats.id')
    .execute();
  return rows.map((r) => r.id);
}

async function liveConnections(tx: Tx, userId: string): Promise<number> {
  const row = await rtTx(tx)
    .selectFrom('realtimePresence')
    .innerJoin('realtimeNodes', 'realtimeNodes.id', 'realtimePresence.nodeId')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('realtimePresence.userId', '=', userId)
    .where('realtimeNodes.aliveUntil', '>', Date.now())
    .executeTakeFirst();
  return Number(row?.n ?? 0);
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
  const db = () => rtDb(ctx.store.db);

  async function renewLease(): Promise<boolean> {
    const aliveUntil = Date.now() + options.nodeLeaseMs;
    const updated = await db()
      .updateTable('realtimeNodes')
      .set({ aliveUntil })
      .where('id', '=', nodeId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return true;
    await db()
      .insertInto('realtimeNodes')
      .values({ id: nodeId, aliveUntil })
      .onConflict((oc) => oc.column('id').doUpdateSet({ aliveUntil }))
      .execute();
    return false;
  }

  /** This node's first connection of the user: record it; within a grace, the user is back. */
  async function arrive(appId: string, userId: string): Promise<void> {
    await commitChange(ctx, appId, async (tx, emit) => {
      await lockUser(tx, userId);
      await rtTx(tx)
        .insertInto('realtimePresence')
        .values({ userId, nodeId, appId, since: Date.now() })
        .onConflict((oc) => oc.columns(['userId', 'nodeId']).doNothing())
        .execute();
      const grace = await tx
        .selectFrom('timers')
        .select('due')
        .where('kind', '=', GRACE_TIMER)
        .where('ref', '=', userId)
        .executeTakeFirst();
      if (!grace) return;
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
      const removed = await rtTx(tx)
        .deleteFrom('realtimePresence')
        .where('userId', '=', userId)
        .where('nodeId', '=', fromNode)
        .executeTakeFirst();
      if (Number(removed.numDeletedRows) === 0) return; // another node swept it already
      if ((await liveConnections(tx, userId)) > 0) return;
      const user = await tx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
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
    const dead = await db()
      .selectFrom('realtimePresence')
      .leftJoin('realtimeNodes', 'realtimeNodes.id', 'realtimePresence.nodeId')
      .select(['realtimePresence.appId', 'realtimePresence.userId', 'realtimePresence.nodeId'])
      .where('realtimePresence.nodeId', '<>', nodeId)
      .where((eb) => eb.or([eb('realtimeNodes.id', 'is', null), eb('realtimeNodes.aliveUntil', '<', now)]))
      .limit(500)
      .execute();
    for (const row of dead) {
      await depart(row.appId, row.userId, row.nodeId).catch((error) =>
        options.log(error, 'presence sweep failed'),
      );
    }
    await db()
      .deleteFrom('realtimeNodes')
      .where('aliveUntil', '<', now)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('realtimePresence')
              .select('userId')
              .whereRef('realtimePresence.nodeId', '=', 'realtimeNodes.id'),
          ),
        ),
      )
      .execute();
  }

  /** The grace ran out: an end user leaves and their chat closes; an agent leaves and goes offline. */
  async function expire(timer: TimerRow): Promise<void> {
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app) return;
    const userId = timer.ref;
    await commitChange(ctx, app.id, async (tx, emit) => {
      await lockUser(tx, userId);
      const current = await tx
        .selectFrom('timers')
        .select('due')
        .where('kind', '=', GRACE_TIMER)
        .where('ref', '=', userId)
        .executeTakeFirst();
      // Cancelled by a reconnect, or moved by a later disconnect: not this expiry's turn.
      if (!current || current.due > Date.now()) return;
      await cancelTimer(tx, GRACE_TIMER, userId);
      if ((await liveConnections(tx, userId)) > 0) return;
      const user = await tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      if (!user) return;
      // Lock every chat first (chat rows before the app row that events take), skipping closed ones.
      const chats: string[] = [];
      for (const chatId of await openChatsOf(tx, userId)) {
        try {
          await lockOpenChat(tx, chatId);
          chats.push(chatId);
        } catch (error) {
          if (!isDomainError(error, 'conflict')) throw error;
        }
      }
      for (const chatId of chats) await leaveOnExpiry(tx, emit, app, chatId, user.id, user.role);
      if (user.role === 'agent') {
        await tx
          .updateTable('users')
          .set({ status: 'offline', offRooms: '[]' })
          .where('id', '=', userId)
          .execute();
        await routeAgentAvailability(tx, app, JSON.parse(user.rooms ?? '[]') as number[]);
      }
    });
  }

  async function leaveOnExpiry(
    tx: Tx,
    emit: Emit,
    app: App,
    chatId: string,
    userId: string,
    role: 'user' | 'agent',
  ): Promise<void> {
    const { wasAgent, agentsLeft } = await removeFromChat(tx, emit, chatId, userId);
    const chat = await tx.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirstOrThrow();
    if (role === 'user' && chat.creator === userId) {
      await closeChatInTx(tx, emit, app, chatId, 'system', { reason: 'disconnected' });
    } else if (wasAgent) {
      await routeAfterLeave(tx, emit, app, chat, agentsLeft, [userId]);
    }
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
      await db().deleteFrom('realtimeNodes').where('id', '=', nodeId).execute();
    },
    graceHandler: expire,
  };
}
