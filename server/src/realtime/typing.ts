import type { App } from '../apps/apps.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Tx } from '../store/database.ts';
import type { TimerRow } from '../store/schema.ts';
import { cancelTimer, scheduleTimer } from '../timers/timers.ts';

/** A `writing` not refreshed within this long turns into `not-writing` by itself (spec section 6, ext). */
export const TYPING_TIMEOUT_MS = 10_000;
export const TYPING_TIMER = 'typing.expire';

/**
 * Called in the transaction of every typing report (REST or realtime): `writing` (re)arms the durable
 * timer of that user in that chat, `not-writing` disarms it.
 */
export async function armTypingTimeout(
  tx: Tx,
  app: Pick<App, 'id'>,
  chatId: string,
  userId: string,
  type: 'writing' | 'not-writing',
): Promise<void> {
  const ref = `${chatId}:${userId}`;
  if (type === 'not-writing') {
    await cancelTimer(tx, TYPING_TIMER, ref);
    return;
  }
  await scheduleTimer(tx, {
    kind: TYPING_TIMER,
    ref,
    appId: app.id,
    due: Date.now() + TYPING_TIMEOUT_MS,
    payload: { chatId, userId },
  });
}

/** The timer handler: still open, still a participant, still not refreshed → `not-writing`. */
export function typingTimeoutHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const { chatId, userId } = JSON.parse(timer.payload) as { chatId: string; userId: string };
    await commitChange(ctx, timer.appId, async (tx, emit) => {
      const current = await tx
        .selectFrom('timers')
        .select('due')
        .where('kind', '=', TYPING_TIMER)
        .where('ref', '=', timer.ref)
        .executeTakeFirst();
      // Refreshed (moved later) or answered by an explicit not-writing meanwhile: nothing to do.
      if (!current || current.due > Date.now()) return;
      const member = await tx
        .selectFrom('chatUsers')
        .innerJoin('chats', 'chats.id', 'chatUsers.chatId')
        .select('chats.status')
        .where('chatUsers.chatId', '=', chatId)
        .where('chatUsers.userId', '=', userId)
        .executeTakeFirst();
      await cancelTimer(tx, TYPING_TIMER, timer.ref);
      if (!member || member.status === 'closed') return;
      await emit({
        trigger: 'users:activity',
        chatId,
        data: { chatId, userId, type: 'not-writing' },
      });
    });
  };
}
