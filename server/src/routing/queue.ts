import { sql } from 'kysely';
import type { App } from '../apps/apps.ts';
import type { Emit } from '../events/commit.ts';
import { onPostgres, type Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import { scheduleTimer } from '../timers/timers.ts';

/**
 * Queue mode (spec 5.3). A room's queue is its waiting chats with `inQueue`, ordered by priority
 * (higher first), then arrival. Positions are stored, so a change can tell exactly whose moved.
 */

/** Serialises queue changes of one room across nodes (PostgreSQL); SQLite transactions are serial already. */
export async function lockRoom(tx: Tx, appId: string, room: number): Promise<void> {
  if (!onPostgres(tx)) return;
  await sql`select pg_advisory_xact_lock(hashtext(${`queue:${appId}:${room}`}))`.execute(tx);
}

/** Re-numbers a room's queue and sends `queues:update` to exactly the chats whose position changed. */
export async function renumberQueue(tx: Tx, emit: Emit, appId: string, room: number): Promise<void> {
  await lockRoom(tx, appId, room);
  const queued = await tx
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
  for (const [position, chat] of queued.entries()) {
    if (chat.queuePosition === position) continue;
    await tx.updateTable('chats').set({ queuePosition: position }).where('id', '=', chat.id).execute();
    await emit({
      trigger: 'queues:update',
      chatId: chat.id,
      userId: chat.creator,
      data: { chatId: chat.id, userId: chat.creator, data: { queuePosition: position } },
    });
  }
}

export async function enqueue(
  tx: Tx,
  emit: Emit,
  appId: string,
  chatId: string,
  room: number,
): Promise<void> {
  await tx.updateTable('chats').set({ inQueue: 1, queuePosition: null }).where('id', '=', chatId).execute();
  await renumberQueue(tx, emit, appId, room);
}

const queueStateOf = prepare<{ id: string }, { room: number; inQueue: number }>((db, arg) =>
  db.selectFrom('chats').select(['room', 'inQueue']).where('id', '=', arg('id')),
);

/** Takes a chat out of its queue (joined, closed, or given up) and closes the gap behind it. */
export async function dequeue(tx: Tx, emit: Emit, appId: string, chatId: string): Promise<void> {
  const chat = await queueStateOf.first(tx, { id: chatId });
  if (chat?.inQueue !== 1) return;
  await tx.updateTable('chats').set({ inQueue: 0, queuePosition: null }).where('id', '=', chatId).execute();
  await renumberQueue(tx, emit, appId, chat.room);
}

/** Asks for the room's queue to be offered to free agents soon (a durable timer, so it survives a crash). */
export async function schedulePump(tx: Tx, app: App, room: number): Promise<void> {
  if (!app.settings.queue.active) return;
  await scheduleTimer(tx, {
    kind: 'queue',
    ref: `${app.id}:${room}`,
    appId: app.id,
    due: Date.now(),
    payload: { room },
  });
}
