import type { Db, Tx } from '../store/database.ts';
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
