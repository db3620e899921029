import { Type } from '@sinclair/typebox';
import { findApp } from '../apps/apps.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { TimerRow } from '../store/schema.ts';
import { scheduleTimer, timerPayload } from '../timers/timers.ts';
import { nowSeconds } from '../util/time.ts';
import { eraseChatContent } from './chat-content.ts';
import { eraseMediaBytes, markChatErased, oldClosedChats, oldMediaIds } from './statements.ts';

/** The retention job of an app (one timer per app, ref = app id), run by the worker role. */
export const RETENTION_TIMER = 'retention';
/** How often an app with nothing left to erase is looked at again. */
export const RETENTION_SWEEP_MS = 3_600_000;
/** Chats (and files) one run erases before it gives the timer back, due at once when more are left. */
export const RETENTION_BATCH = 50;

const RetentionPayload = Type.Object({ batch: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) });
const readPayload = timerPayload(RETENTION_TIMER, RetentionPayload);

/** Starts (or moves to now) an app's retention job: called when its `retention` settings change. */
export async function scheduleRetention(ctx: Ctx, appId: string): Promise<void> {
  await commitChange(ctx, appId, (tx) =>
    scheduleTimer(tx, { kind: RETENTION_TIMER, ref: appId, appId, due: Date.now() }),
  );
}

/**
 * One run of an app's retention (docs/privacy.md): the text of up to `batch` closed chats closed more
 * than `retention.chatsDays` days ago is erased as an end user's erasure erases it (every sender's
 * messages, the bot history, files, tickets, stored events, webhook deliveries; ids, times and counts
 * stay), each chat marked `erased` once done; then the bytes of up to `batch` files of closed chats
 * older than `retention.mediaDays`. A full batch reschedules the job at once, a short one in an hour;
 * with both settings null the job ends. A run that dies half-way leaves its chats unmarked, so the
 * next run (on any node, after the lease) takes them again: every step is idempotent.
 */
export function retentionHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app) return;
    const { chatsDays, mediaDays } = app.settings.retention;
    if (chatsDays === null && mediaDays === null) return;
    const payload = readPayload(timer);
    const batch = payload.batch ?? RETENTION_BATCH;
    const now = nowSeconds();
    let full = false;
    if (chatsDays !== null) {
      const chats = await oldClosedChats(ctx.store.db, app.id, now - chatsDays * 86_400, batch);
      for (const chatId of chats) {
        await eraseChatContent(ctx.store, chatId, { userId: undefined, senders: 'all', needles: [] });
        await ctx.store.transaction((tx) => markChatErased(tx, chatId, now));
      }
      full ||= chats.length === batch;
    }
    if (mediaDays !== null) {
      const ids = await oldMediaIds(ctx.store.db, app.id, now - mediaDays * 86_400, batch);
      await ctx.store.transaction((tx) => eraseMediaBytes(tx, ids, now));
      full ||= ids.length === batch;
    }
    await commitChange(ctx, app.id, (tx) =>
      scheduleTimer(tx, {
        kind: RETENTION_TIMER,
        ref: app.id,
        appId: app.id,
        due: full ? Date.now() : Date.now() + RETENTION_SWEEP_MS,
        payload,
      }),
    );
  };
}
