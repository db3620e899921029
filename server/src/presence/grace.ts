import { type App, findApp } from '../apps/apps.ts';
import { closeIfOpen } from '../chats/close.ts';
import { lockIfOpen } from '../chats/locks.ts';
import { removeFromChat } from '../chats/membership.ts';
import { chatById, openChatsOf } from '../chats/statements.ts';
import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { routeAfterLeave, routeAgentAvailability } from '../routing/hooks.ts';
import type { Tx } from '../store/database.ts';
import { decodeRooms } from '../store/json.ts';
import type { TimerRow, UserRow } from '../store/schema.ts';
import { cancelTimer } from '../timers/timers.ts';
import { changeAgentRow } from '../users/status.ts';
import { liveConnections, lockUser, timerDue, userById } from './statements.ts';

/**
 * The reconnect grace (docs/routing.md): the durable timer `presence.reconnectGrace` (ref = user id).
 * Its existence *is* the "disconnected, may come back" state: a reconnect cancels it, and its expiry
 * acts once, on whichever node claims it, whether or not that node serves WebSockets.
 */
export const GRACE_TIMER = 'presence.reconnectGrace';

/** The grace ran out: an end user leaves and their chat closes; an agent leaves and goes offline. */
export function graceExpiryHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app) return;
    const userId = timer.ref;
    await commitChange(ctx, app.id, async (tx, emit) => {
      await lockUser(tx, userId);
      const due = await timerDue(tx, GRACE_TIMER, userId);
      // Cancelled by a reconnect, or moved by a later disconnect: not this expiry's turn.
      if (due === undefined || due > Date.now()) return;
      await cancelTimer(tx, GRACE_TIMER, userId);
      if ((await liveConnections(tx, userId)) > 0) return;
      const user = await userById(tx, userId);
      if (!user) return;
      // Lock every chat first (chat rows before the app row that events take), skipping closed ones.
      const chats: string[] = [];
      for (const chatId of await openChatsOf(tx, userId)) {
        if ((await lockIfOpen(tx, chatId)) === 'open') chats.push(chatId);
      }
      for (const chatId of chats) await leaveOnExpiry(tx, emit, app, chatId, user);
      if (user.role === 'agent') {
        await changeAgentRow(tx, emit, userId, { status: 'offline', offRooms: '[]' }, 'presence');
        await routeAgentAvailability(tx, app, decodeRooms(user.rooms));
      }
    });
  };
}

async function leaveOnExpiry(tx: Tx, emit: Emit, app: App, chatId: string, user: UserRow): Promise<void> {
  const { wasAgent, agentsLeft } = await removeFromChat(tx, emit, chatId, user.id);
  const chat = await chatById.one(tx, { id: chatId });
  if (user.role === 'user' && chat.creator === user.id) {
    await closeIfOpen(tx, emit, app, chatId, 'system', { reason: 'disconnected' });
  } else if (wasAgent) {
    await routeAfterLeave(tx, emit, app, chat, agentsLeft, [user.id]);
  }
}
