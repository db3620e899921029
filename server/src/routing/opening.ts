import { findApp } from '../apps/apps.ts';
import { lockIfOpen } from '../chats/locks.ts';
import { closedRoom, OPENING_TIMER, waitForOpening } from '../chats/off-hours.ts';
import { chatById, updateChatRow } from '../chats/statements.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Tx } from '../store/database.ts';
import type { TimerRow } from '../store/schema.ts';
import { scheduleTimer } from '../timers/timers.ts';
import { nowSeconds } from '../util/time.ts';
import { routeNewChat } from './hooks.ts';

export { OPENING_TIMER };

import { openingTimersOf } from './statements.ts';

/**
 * The `opening` timer handler (docs/routing.md, "Opening hours"): a chat that arrived while its
 * `queue` room was closed is routed once the room opens — as a chat created then would be. Re-checks
 * the hours (they may have changed since the timer was set) and waits again while still closed.
 */
export function openingHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app) return;
    await commitChange(ctx, app.id, async (tx, emit) => {
      if ((await lockIfOpen(tx, timer.ref)) === 'closed') return;
      const chat = await chatById.one(tx, { id: timer.ref });
      // Only a chat still waiting and never routed; an agent may have joined it by hand meanwhile.
      if (chat.status !== 'waiting' || chat.inQueue === 1) return;
      const closed = await closedRoom(tx, app, chat.room);
      if (closed) {
        await waitForOpening(tx, app, chat.id, closed);
        return;
      }
      // The night spent waiting is not inactivity: the chat's clock starts at the opening.
      const opened = { ...chat, lastActivity: nowSeconds() };
      await updateChatRow(tx, chat.id, { lastActivity: opened.lastActivity });
      await routeNewChat(tx, emit, app, opened);
    });
  };
}

/** A new timetable: every chat waiting for an opening of this app is looked at again now. */
export async function wakeOpenings(tx: Tx, appId: string): Promise<void> {
  const due = Date.now();
  for (const ref of await openingTimersOf(tx, appId, OPENING_TIMER)) {
    await scheduleTimer(tx, { kind: OPENING_TIMER, ref, appId, due });
  }
}
