import { Type } from '@sinclair/typebox';
import type { App } from '../apps/apps.ts';
import { type AuditBy, recordAudit } from '../audit/audit.ts';
import { closeIfOpen } from '../chats/close.ts';
import { openChatsOf } from '../chats/statements.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Store } from '../store/database.ts';
import { decodeObject } from '../store/json.ts';
import type { TimerRow } from '../store/schema.ts';
import { cancelTimer, scheduleTimer, timerPayload } from '../timers/timers.ts';
import { endSessions } from '../users/sessions.ts';
import { requireUser } from '../users/users.ts';
import { conflict } from '../util/errors.ts';
import { nowSeconds } from '../util/time.ts';
import { eraseChatContent } from './chat-content.ts';
import { ERASED_NAME, needlesOf, type Redaction } from './redact.ts';
import { chatsCreatedBy, saveJobProgress } from './statements.ts';

/** The durable job that erases an end user's chats (one timer per erased user). */
export const ERASURE_TIMER = 'erasure';
/** The safety net: a job whose request died is taken up again this long after it started. */
const RESUME_AFTER_MS = 10 * 60_000;
const CHATS_PER_STEP = 20;

const ErasurePayload = Type.Object({
  userId: Type.String(),
  needles: Type.Array(Type.String()),
  /** The last chat (id) fully erased. */
  after: Type.String(),
});
const readPayload = timerPayload(ERASURE_TIMER, ErasurePayload);

/**
 * DELETE /users/{id} — erases an end user (docs/privacy.md). One transaction closes its open chats,
 * replaces its profile (name, contact, externalId, extraInfo), ends its sessions (its sockets close with
 * 4001), emits `users:erased` and records the durable job; then the job erases the text of its chats
 * page by page (messages, files, tickets, stored events, webhook deliveries), each page its own short
 * transaction. The request waits for the job; if its node dies, the job's timer finishes it elsewhere.
 * Erasing an erased user again does nothing (204: the state asked for holds).
 */
export async function eraseUser(ctx: Ctx, app: App, id: string, by: AuditBy): Promise<void> {
  const user = await requireUser(ctx.store.db, app.id, id);
  if (user.role !== 'user')
    throw conflict('This user is an agent: agents are deleted (anonymised) with DELETE /v1/agents/{id}');
  const needles = needlesOf({ ...user, extraInfo: decodeObject(user.extraInfo) });
  const started = await commitChange(ctx, app.id, async (tx, emit) => {
    const now = nowSeconds();
    const claimed = await tx
      .updateTable('users')
      .set({
        name: ERASED_NAME,
        contact: null,
        externalId: null,
        extraInfo: '{}',
        active: 0,
        erased: now,
      })
      .where('id', '=', id)
      .where('erased', 'is', null)
      .executeTakeFirst();
    // Erased meanwhile (or before): the job of that erasure owns the rest.
    if (Number(claimed.numUpdatedRows) === 0) return false;
    // Who erased whom, never what: the entry names the user by id only (docs/security.md).
    await recordAudit(tx, { appId: app.id, by, action: 'users.erase', target: { type: 'user', id } });
    // No survey is asked of someone being erased.
    for (const chatId of await openChatsOf(tx, id))
      await closeIfOpen(tx, emit, app, chatId, 'system', { reason: 'erased', survey: false });
    await endSessions(ctx.bus, tx, app.id, id);
    await emit({ trigger: 'users:erased', userId: id, data: { userId: id } });
    await scheduleTimer(tx, {
      kind: ERASURE_TIMER,
      ref: id,
      appId: app.id,
      due: Date.now() + RESUME_AFTER_MS,
      payload: { userId: id, needles, after: '' },
    });
    return true;
  });
  if (!started) return;
  await runErasure(ctx.store, app.id, { userId: id, needles, after: '' });
  await ctx.store.transaction((tx) => cancelTimer(tx, ERASURE_TIMER, id));
}

/** The erasure of a user's chats from `after` on, recording its progress in its timer as it goes. */
async function runErasure(
  store: Store,
  appId: string,
  job: { userId: string; needles: string[]; after: string },
): Promise<void> {
  const redaction: Redaction = { userId: job.userId, senders: new Set([job.userId]), needles: job.needles };
  let after = job.after;
  for (;;) {
    const chats = await chatsCreatedBy(store.db, appId, job.userId, after, CHATS_PER_STEP);
    if (chats.length === 0) return;
    for (const chatId of chats) {
      await eraseChatContent(store, chatId, redaction);
      after = chatId;
      await saveJobProgress(store.db, ERASURE_TIMER, job.userId, JSON.stringify({ ...job, after }));
    }
  }
}

/** The timer of an erasure whose request did not finish it: the job goes on from where it stopped. */
export function erasureHandler(ctx: Ctx): (timer: TimerRow) => Promise<void> {
  return async (timer) => {
    await runErasure(ctx.store, timer.appId, readPayload(timer));
  };
}
