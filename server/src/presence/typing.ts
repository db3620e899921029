import { Type } from '@sinclair/typebox';
import type { App } from '../apps/apps.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Tx } from '../store/database.ts';
import { jsonColumn } from '../store/json.ts';
import type { TimerRow } from '../store/schema.ts';
import { cancelTimer, scheduleTimer } from '../timers/timers.ts';
import { membershipStatus, timerDue } from './statements.ts';

/** A `writing` not refreshed within this long turns into `not-writing` by itself (docs/routing.md, ext). */
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

const typingPayload = jsonColumn(
  'typing timer payload',
  Type.Object({ chatId: Type.String(), userId: Type.String() }),
);

/** The timer handler: still open, still a participant, still not refreshed → `not-writing`. */
export function typingTimeoutHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const { chatId, userId } = typingPayload(timer.payload);
    await commitChange(ctx, timer.appId, async (tx, emit) => {
      const due = await timerDue(tx, TYPING_TIMER, timer.ref);
      // Refreshed (moved later) or answered by an explicit not-writing meanwhile: nothing to do.
      if (due === undefined || due > Date.now()) return;
      const status = await membershipStatus(tx, chatId, userId);
      await cancelTimer(tx, TYPING_TIMER, timer.ref);
      if (status === undefined || status === 'closed') return;
      await emit({
        trigger: 'users:activity',
        chatId,
        data: { chatId, userId, type: 'not-writing' },
      });
    });
  };
}
