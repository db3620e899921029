import { findApp } from '../apps/apps.ts';
import { closeIfOpen } from '../chats/close.ts';
import { lockChatRow } from '../chats/locks.ts';
import { chatById } from '../chats/statements.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { TimerRow } from '../store/schema.ts';
import { nowSeconds } from '../util/time.ts';
import { armInactivity } from './hooks.ts';
import { endInvitation } from './loop.ts';
import { invitationById } from './statements.ts';

/** The `invitation` timer handler: an invitation ran out; mark it expired, and let its loop jump on. */
export function invitationExpiryHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const invitation = await invitationById(ctx.store.db, timer.ref);
    if (invitation?.status !== 'pending') return;
    await commitChange(ctx, invitation.appId, async (tx) => {
      await lockChatRow(tx, invitation.chatId);
      await endInvitation(tx, invitation, 'expired');
    });
  };
}

/** The `inactivity` timer handler: close the chat once it has been quiet for `chats.inactivityTimeout` seconds. */
export function inactivityHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app) return;
    const chat = await chatById.first(ctx.store.db, { id: timer.ref });
    if (!chat || chat.status === 'closed') return;
    const timeout = app.settings.chats.inactivityTimeout;
    if (timeout <= 0) return;
    await commitChange(ctx, app.id, async (tx, emit) => {
      if (chat.lastActivity + timeout > nowSeconds()) {
        await armInactivity(tx, app, chat.id, chat.lastActivity);
        return;
      }
      // Closed meanwhile (closeIfOpen answers 'closed'): nothing left to do.
      await closeIfOpen(tx, emit, app, chat.id, 'system', { reason: 'inactivity' });
    });
  };
}
