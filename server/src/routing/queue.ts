import type { App } from '../apps/apps.ts';
import type { Emit } from '../events/commit.ts';
import type { Tx } from '../store/database.ts';
import { scheduleTimer } from '../timers/timers.ts';
import {
  lockRoom,
  putInQueue,
  queueOrder,
  queueStateOf,
  setQueuePosition,
  takeOutOfQueue,
} from './statements.ts';

/**
 * Queue mode (docs/routing.md). A room's queue is its waiting chats with `inQueue`, ordered by priority
 * (higher first), then arrival. Positions are stored, so a change can tell exactly whose moved.
 */

/** Re-numbers a room's queue and sends `queues:update` to exactly the chats whose position changed. */
export async function renumberQueue(tx: Tx, emit: Emit, appId: string, room: number): Promise<void> {
  await lockRoom(tx, appId, room);
  const queued = await queueOrder(tx, appId, room);
  for (const [position, chat] of queued.entries()) {
    if (chat.queuePosition === position) continue;
    await setQueuePosition(tx, chat.id, position);
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
  await putInQueue(tx, chatId);
  await renumberQueue(tx, emit, appId, room);
}

/** Takes a chat out of its queue (joined, closed, or given up) and closes the gap behind it. */
export async function dequeue(tx: Tx, emit: Emit, appId: string, chatId: string): Promise<void> {
  const chat = await queueStateOf.first(tx, { id: chatId });
  if (chat?.inQueue !== 1) return;
  await takeOutOfQueue(tx, chatId);
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
