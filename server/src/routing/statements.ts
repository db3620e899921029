import { sql } from 'kysely';
import { type Db, onPostgres, type Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import { rawRows } from '../store/raw.ts';
import type { AssignmentRow, ChatRow, InvitationRow } from '../store/schema.ts';

/** The routing statements (assignments, invitations, queue order) of the timer handlers. */

/** A chat's loop, and whether one of its invitations is out (pending). */
const LOOP_STATE = `select a.chat_id as "chatId", a.app_id as "appId", a.loop_id as "loopId", a.status as "status",
  a.attempt as "attempt", a.max_attempts as "maxAttempts", a."interval" as "interval",
  a.algorithm as "algorithm", a.invited as "invited", a.updated as "updated",
  exists (select 1 from invitations i
    where i.chat_id = a.chat_id and i.loop_id = a.loop_id and i.status = 'pending') as "out"
  from assignments a where a.chat_id = ?`;

export const advanceLoop = prepare<
  { chatId: string; loopId: string; attempt: number; previous: number; invited: string; updated: number },
  unknown
>((db, arg) =>
  db
    .updateTable('assignments')
    .set({ attempt: arg('attempt'), invited: arg('invited'), updated: arg('updated') })
    .where('chatId', '=', arg('chatId'))
    .where('loopId', '=', arg('loopId'))
    .where('status', '=', 'running')
    .where('attempt', '=', arg('previous')),
);

export const markInvited = prepare<{ id: string; stamp: number }, unknown>((db, arg) =>
  db
    .updateTable('users')
    .set({ lastInvited: arg('stamp') })
    .where('id', '=', arg('id')),
);

export const insertInvitation = prepare<InvitationRow, unknown>((db, arg) =>
  db.insertInto('invitations').values({
    id: arg('id'),
    appId: arg('appId'),
    chatId: arg('chatId'),
    userId: arg('userId'),
    inviterId: arg('inviterId'),
    status: arg('status'),
    transfer: arg('transfer'),
    attempt: arg('attempt'),
    loopId: arg('loopId'),
    created: arg('created'),
    expires: arg('expires'),
  }),
);

export async function loopState(
  db: Db,
  chatId: string,
): Promise<(AssignmentRow & { out: unknown }) | undefined> {
  const [loop] = await rawRows<AssignmentRow & { out: unknown }>(db, LOOP_STATE, [chatId]);
  return loop;
}

/** Stops the loop `loopId` if it still runs; false when it no longer did. */
export async function stopLoopIfRunning(
  tx: Tx,
  chatId: string,
  loopId: string,
  updated: number,
): Promise<boolean> {
  const stopped = await tx
    .updateTable('assignments')
    .set({ status: 'stopped', updated })
    .where('chatId', '=', chatId)
    .where('loopId', '=', loopId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(stopped.numUpdatedRows) > 0;
}

export async function invitationById(db: Db, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A room's queue in order: priority (higher first), then arrival. */
export async function queuedChats(tx: Tx, appId: string, room: number): Promise<ChatRow[]> {
  return tx
    .selectFrom('chats')
    .selectAll()
    .where('appId', '=', appId)
    .where('room', '=', room)
    .where('inQueue', '=', 1)
    .where('status', '=', 'waiting')
    .orderBy('priority', 'desc')
    .orderBy('created')
    .orderBy('id')
    .execute();
}

export async function takeOutOfQueue(tx: Tx, chatId: string): Promise<void> {
  await tx.updateTable('chats').set({ inQueue: 0, queuePosition: null }).where('id', '=', chatId).execute();
}

export async function runningLoopsOf(
  tx: Tx,
  chatIds: string[],
): Promise<Array<{ chatId: string; loopId: string }>> {
  return tx
    .selectFrom('assignments')
    .select(['chatId', 'loopId'])
    .where('chatId', 'in', chatIds)
    .where('status', '=', 'running')
    .execute();
}

/** Loops of these chats that have an invitation out. */
export async function loopsWithPendingInvitation(tx: Tx, chatIds: string[]): Promise<Set<string | null>> {
  const rows = await tx
    .selectFrom('invitations')
    .select('loopId')
    .where('chatId', 'in', chatIds)
    .where('status', '=', 'pending')
    .where('loopId', 'is not', null)
    .execute();
  return new Set(rows.map((p) => p.loopId));
}

/** The pending invitation of one agent to one chat (at most one: a unique index). */
export const pendingOf = prepare<{ appId: string; chatId: string; userId: string }, InvitationRow>(
  (db, arg) =>
    db
      .selectFrom('invitations')
      .selectAll()
      .where('appId', '=', arg('appId'))
      .where('chatId', '=', arg('chatId'))
      .where('userId', '=', arg('userId'))
      .where('status', '=', 'pending'),
);

// ---- invitation loops (assignments) and their invitations

export const upsertLoop = prepare<AssignmentRow, unknown>((db, arg) => {
  const set = {
    appId: arg('appId'),
    loopId: arg('loopId'),
    status: arg('status'),
    attempt: arg('attempt'),
    maxAttempts: arg('maxAttempts'),
    interval: arg('interval'),
    algorithm: arg('algorithm'),
    invited: arg('invited'),
    updated: arg('updated'),
  };
  return db
    .insertInto('assignments')
    .values({ chatId: arg('chatId'), ...set })
    .onConflict((oc) => oc.column('chatId').doUpdateSet(set));
});

export const stopRunningLoop = prepare<{ chatId: string; updated: number }, unknown>((db, arg) =>
  db
    .updateTable('assignments')
    .set({ status: 'stopped', updated: arg('updated') })
    .where('chatId', '=', arg('chatId'))
    .where('status', '=', 'running'),
);

export const cancelPending = prepare<{ chatId: string }, { id: string }>((db, arg) =>
  db
    .updateTable('invitations')
    .set({ status: 'cancelled' })
    .where('chatId', '=', arg('chatId'))
    .where('status', '=', 'pending')
    .returning('id'),
);

export const cancelLoopPending = prepare<{ chatId: string }, { id: string }>((db, arg) =>
  db
    .updateTable('invitations')
    .set({ status: 'cancelled' })
    .where('chatId', '=', arg('chatId'))
    .where('status', '=', 'pending')
    .where('loopId', 'is not', null)
    .returning('id'),
);

export const endPending = prepare<{ id: string; status: InvitationRow['status'] }, unknown>((db, arg) =>
  db
    .updateTable('invitations')
    .set({ status: arg('status') })
    .where('id', '=', arg('id'))
    .where('status', '=', 'pending'),
);

/** The chat's running loop, if any. */
export async function runningLoop(tx: Tx, chatId: string) {
  return tx
    .selectFrom('assignments')
    .selectAll()
    .where('chatId', '=', chatId)
    .where('status', '=', 'running')
    .executeTakeFirst();
}

// ---- queue mode

/** Serialises queue changes of one room across nodes (PostgreSQL); SQLite transactions are serial already. */
export async function lockRoom(tx: Tx, appId: string, room: number): Promise<void> {
  if (!onPostgres(tx)) return;
  await sql`select pg_advisory_xact_lock(hashtext(${`queue:${appId}:${room}`}))`.execute(tx);
}

/** A room's queued chats in queue order, with the positions they hold now. */
export async function queueOrder(
  tx: Tx,
  appId: string,
  room: number,
): Promise<Array<{ id: string; creator: string; queuePosition: number | null }>> {
  return tx
    .selectFrom('chats')
    .select(['id', 'creator', 'queuePosition'])
    .where('appId', '=', appId)
    .where('room', '=', room)
    .where('inQueue', '=', 1)
    .where('status', '=', 'waiting')
    .orderBy('priority', 'desc')
    .orderBy('created')
    .orderBy('id')
    .execute();
}

export async function setQueuePosition(tx: Tx, chatId: string, position: number): Promise<void> {
  await tx.updateTable('chats').set({ queuePosition: position }).where('id', '=', chatId).execute();
}

export async function putInQueue(tx: Tx, chatId: string): Promise<void> {
  await tx.updateTable('chats').set({ inQueue: 1, queuePosition: null }).where('id', '=', chatId).execute();
}

export const queueStateOf = prepare<{ id: string }, { room: number; inQueue: number }>((db, arg) =>
  db.selectFrom('chats').select(['room', 'inQueue']).where('id', '=', arg('id')),
);

/** How many chats of a room wait, and since when the oldest does. */
export async function waitingInRoom(db: Db, appId: string, room: number) {
  return db
    .selectFrom('chats')
    .select([(eb) => eb.fn.countAll<number>().as('count'), (eb) => eb.fn.min('created').as('oldest')])
    .where('appId', '=', appId)
    .where('room', '=', room)
    .where('status', '=', 'waiting')
    .executeTakeFirst();
}

/** A page of the app's invitations, newest first (the cursor is the last, oldest, id of a page). */
export async function selectInvitations(
  db: Db,
  filter: {
    appId: string;
    userId?: string | undefined;
    status?: InvitationRow['status'] | undefined;
    chatId?: string | undefined;
    before?: string | undefined;
    limit: number;
  },
): Promise<InvitationRow[]> {
  let q = db.selectFrom('invitations').selectAll().where('appId', '=', filter.appId);
  if (filter.userId !== undefined) q = q.where('userId', '=', filter.userId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.chatId !== undefined) q = q.where('chatId', '=', filter.chatId);
  if (filter.before !== undefined) q = q.where('id', '<', filter.before);
  return q
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
}

/** The pending invitations of an agent (a deactivated agent can answer none). */
export async function pendingInvitationsOfAgent(tx: Tx, agentId: string): Promise<InvitationRow[]> {
  return tx
    .selectFrom('invitations')
    .selectAll()
    .where('userId', '=', agentId)
    .where('status', '=', 'pending')
    .orderBy('chatId')
    .execute();
}

/** The chats (timer refs) of an app waiting for an opening of their room (routing/opening.ts). */
export async function openingTimersOf(tx: Tx, appId: string, kind: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('timers')
    .select('ref')
    .where('appId', '=', appId)
    .where('kind', '=', kind)
    .execute();
  return rows.map((row) => row.ref);
}
