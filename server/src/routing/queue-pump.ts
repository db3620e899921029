import { findApp } from '../apps/apps.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { TimerRow } from '../store/schema.ts';
import { freeSlots, onlineAgentsOfRoom } from './eligibility.ts';
import { defaultLoopParams, startLoop, stopLoop } from './loop.ts';
import { queuePayload } from './payloads.ts';

import {
  lockRoom,
  loopsWithPendingInvitation,
  queuedChats,
  runningLoopsOf,
  takeOutOfQueue,
} from './statements.ts';

/**
 * The `queue` timer handler: offers a room's queue to free agents (docs/routing.md). As many chats from the
 * head as there are free slots get a loop; with nobody of the room online, every queued chat hears
 * `forever:alone`.
 */
export function queuePumpHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const { room } = queuePayload(timer.payload);
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app?.settings.queue.active) return;
    await commitChange(ctx, app.id, async (tx, emit) => {
      await lockRoom(tx, app.id, room);
      const queued = await queuedChats(tx, app.id, room);
      if (queued.length === 0) return;
      const online = await onlineAgentsOfRoom(tx, app, room);
      if (online.length === 0) {
        for (const chat of queued) {
          await stopLoop(tx, chat.id);
          await emit({
            trigger: 'forever:alone',
            chatId: chat.id,
            userId: chat.creator,
            data: { chatId: chat.id },
          });
          await takeOutOfQueue(tx, chat.id);
        }
        return;
      }
      const ids = queued.map((c) => c.id);
      const running = await runningLoopsOf(tx, ids);
      const withInvitation = await loopsWithPendingInvitation(tx, ids);
      const offering = new Set(running.map((r) => r.chatId));
      // Free slots already exclude pending invitations; loops still looking for their agent hold one too.
      const searching = running.filter((r) => !withInvitation.has(r.loopId)).length;
      let slots = online.reduce((sum, c) => sum + Math.max(0, freeSlots(c, app)), 0) - searching;
      for (const chat of queued) {
        if (slots <= 0) break;
        if (offering.has(chat.id)) continue;
        await startLoop(tx, app, chat.id, defaultLoopParams(app));
        slots--;
      }
    });
  };
}
