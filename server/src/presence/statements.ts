import { sql } from 'kysely';
import { type Db, onPostgres, type Tx } from '../store/database.ts';
import { rtDb, rtTx } from '../store/realtime-tables.ts';
import type { UserRow } from '../store/schema.ts';

/** The presence statements: connection rows per (user, node), node leases, and what presence reads. */

/** Serialises the presence transitions of one user across nodes (PostgreSQL; SQLite is serial). */
export async function lockUser(tx: Tx, userId: string): Promise<void> {
  if (onPostgres(tx))
    await sql`select pg_advisory_xact_lock(hashtextextended(${`presence:${userId}`}, 0))`.execute(tx);
}

/** Connection rows of the user on nodes whose lease still holds. */
export async function liveConnections(tx: Tx, userId: string): Promise<number> {
  const row = await rtTx(tx)
    .selectFrom('realtimePresence')
    .innerJoin('realtimeNodes', 'realtimeNodes.id', 'realtimePresence.nodeId')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('realtimePresence.userId', '=', userId)
    .where('realtimeNodes.aliveUntil', '>', Date.now())
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** When the durable timer (kind, ref) is due, or undefined when there is none. */
export async function timerDue(tx: Tx, kind: string, ref: string): Promise<number | undefined> {
  const row = await tx
    .selectFrom('timers')
    .select('due')
    .where('kind', '=', kind)
    .where('ref', '=', ref)
    .executeTakeFirst();
  return row?.due;
}

export async function insertPresence(tx: Tx, row: { userId: string; nodeId: string; appId: string }) {
  await rtTx(tx)
    .insertInto('realtimePresence')
    .values({ ...row, since: Date.now() })
    .onConflict((oc) => oc.columns(['userId', 'nodeId']).doNothing())
    .execute();
}

/** Whether a row was there to delete (another node may have swept it already). */
export async function deletePresence(tx: Tx, userId: string, nodeId: string): Promise<boolean> {
  const removed = await rtTx(tx)
    .deleteFrom('realtimePresence')
    .where('userId', '=', userId)
    .where('nodeId', '=', nodeId)
    .executeTakeFirst();
  return Number(removed.numDeletedRows) > 0;
}

/** Extends the node's lease; false when its row was gone (written again, from scratch). */
export async function renewNodeLease(db: Db, nodeId: string, aliveUntil: number): Promise<boolean> {
  const updated = await rtDb(db)
    .updateTable('realtimeNodes')
    .set({ aliveUntil })
    .where('id', '=', nodeId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return true;
  await rtDb(db)
    .insertInto('realtimeNodes')
    .values({ id: nodeId, aliveUntil })
    .onConflict((oc) => oc.column('id').doUpdateSet({ aliveUntil }))
    .execute();
  return false;
}

/** Connection rows of other nodes whose lease ran out (or whose node row is gone). */
export async function deadPresence(
  db: Db,
  nodeId: string,
  now: number,
): Promise<Array<{ appId: string; userId: string; nodeId: string }>> {
  return rtDb(db)
    .selectFrom('realtimePresence')
    .leftJoin('realtimeNodes', 'realtimeNodes.id', 'realtimePresence.nodeId')
    .select(['realtimePresence.appId', 'realtimePresence.userId', 'realtimePresence.nodeId'])
    .where('realtimePresence.nodeId', '<>', nodeId)
    .where((eb) => eb.or([eb('realtimeNodes.id', 'is', null), eb('realtimeNodes.aliveUntil', '<', now)]))
    .limit(500)
    .execute();
}

/** Node rows whose lease ran out and that no connection row refers to any more. */
export async function deleteDeadNodes(db: Db, now: number): Promise<void> {
  await rtDb(db)
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

export async function deleteNode(db: Db, nodeId: string): Promise<void> {
  await rtDb(db).deleteFrom('realtimeNodes').where('id', '=', nodeId).execute();
}

/** The chat's status when the user takes part in it. */
export async function membershipStatus(tx: Tx, chatId: string, userId: string) {
  const row = await tx
    .selectFrom('chatUsers')
    .innerJoin('chats', 'chats.id', 'chatUsers.chatId')
    .select('chats.status')
    .where('chatUsers.chatId', '=', chatId)
    .where('chatUsers.userId', '=', userId)
    .executeTakeFirst();
  return row?.status;
}

export async function userById(tx: Tx, userId: string): Promise<UserRow | undefined> {
  return tx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}
