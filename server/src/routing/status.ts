import { chatFor } from '../chats/access.ts';
import type { Ctx } from '../events/context.ts';
import { type Actor, requireAgentToken } from '../policies/actor.ts';
import { decodeRooms } from '../store/json.ts';
import { nowSeconds } from '../util/time.ts';
import { freeSlots, onlineAgentsOfRoom } from './eligibility.ts';
import { waitingInRoom } from './statements.ts';

export interface QueueStatus {
  waiting: number;
  agentsOnline: number;
  agentsAvailable: number;
  /** Seconds the oldest waiting chat has waited, or null when none waits. */
  oldestWait: number | null;
}

/** GET /queues/status — per room of the app (an agent: its rooms). */
export async function queuesStatus(ctx: Ctx, actor: Actor): Promise<Record<string, QueueStatus>> {
  const app = actor.app;
  let rooms = app.settings.rooms.map((r) => r.id);
  if (actor.user) {
    const agent = requireAgentToken(actor);
    const own = new Set(decodeRooms(agent.rooms));
    rooms = rooms.filter((r) => own.has(r));
  }
  const now = nowSeconds();
  const result: Record<string, QueueStatus> = {};
  for (const room of rooms) {
    const waiting = await waitingInRoom(ctx.store.db, app.id, room);
    const online = await onlineAgentsOfRoom(ctx.store.db, app, room);
    const oldest = waiting?.oldest == null ? null : Number(waiting.oldest);
    result[String(room)] = {
      waiting: Number(waiting?.count ?? 0),
      agentsOnline: online.length,
      agentsAvailable: online.filter((c) => freeSlots(c, app) > 0).length,
      oldestWait: oldest === null ? null : Math.max(0, now - oldest),
    };
  }
  return result;
}

/** GET /queues/update/{chatId} — the chat's current position (null outside the queue). */
export async function queuePositionOf(
  ctx: Ctx,
  actor: Actor,
  chatId: string,
): Promise<{ chatId: string; userId: string; data: { queuePosition: number | null } }> {
  const chat = await chatFor(ctx, actor, chatId, 'view');
  const position = chat.row.inQueue === 1 && chat.row.status === 'waiting' ? chat.row.queuePosition : null;
  return { chatId, userId: chat.row.creator, data: { queuePosition: position } };
}
