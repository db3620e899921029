import type { App } from '../apps/apps.ts';
import { afterCommit } from '../events/commit.ts';
import { countInvitation } from '../meters/meters.ts';
import type { Tx } from '../store/database.ts';
import type { InvitationRow } from '../store/schema.ts';
import { cancelTimer, scheduleTimer } from '../timers/timers.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import type { Algorithm } from './choose.ts';
import { cancelLoopPending, cancelPending, endPending, stopRunningLoop, upsertLoop } from './statements.ts';

/** The parameters of one invitation loop (docs/routing.md, "The invitation loop"). */
export interface LoopParams {
  maxAttempts: number;
  /** Seconds an invitation lasts. */
  interval: number;
  algorithm: Algorithm;
}

export function defaultLoopParams(app: App): LoopParams {
  const { assign } = app.settings;
  return { maxAttempts: assign.maxAttempts, interval: assign.timeout, algorithm: assign.algorithm };
}

/**
 * Starts (or restarts) a chat's loop inside `tx`: a fresh loop id, no attempts yet, and a durable
 * `jump` timer due now. `skip` are agents not to invite in this loop (e.g. the agent who sent it back).
 * `newChat`: the chat was created in this transaction, so no earlier loop left invitations to cancel.
 */
export async function startLoop(
  tx: Tx,
  app: App,
  chatId: string,
  params: LoopParams,
  skip: string[] = [],
  newChat = false,
): Promise<void> {
  const loopId = newId();
  const row = {
    appId: app.id,
    loopId,
    status: 'running' as const,
    attempt: 0,
    maxAttempts: params.maxAttempts,
    interval: params.interval,
    algorithm: params.algorithm,
    invited: JSON.stringify(skip),
    updated: nowSeconds(),
  };
  await upsertLoop.run(tx, { chatId, ...row });
  if (!newChat) await cancelLoopInvitations(tx, chatId);
  await scheduleTimer(tx, { kind: 'jump', ref: chatId, appId: app.id, due: Date.now(), payload: { loopId } });
}

/** Stops a chat's loop (agent found, chat closed, or given up). */
export async function stopLoop(tx: Tx, chatId: string): Promise<void> {
  const stopped = await stopRunningLoop.run(tx, { chatId, updated: nowSeconds() });
  // A stopped loop has no jump pending: its timer went when it stopped.
  if (Number(stopped.numAffectedRows ?? 1) > 0) await cancelTimer(tx, 'jump', chatId);
}

/** Cancels the pending invitations of the loop (not manual ones) and their expiry timers. */
export async function cancelLoopInvitations(tx: Tx, chatId: string): Promise<void> {
  await cancelInvitations(tx, chatId, true);
}

/** Cancels every pending invitation of a chat (the chat closed). */
export async function cancelAllInvitations(tx: Tx, chatId: string): Promise<void> {
  await cancelInvitations(tx, chatId, false);
}

async function cancelInvitations(tx: Tx, chatId: string, loopOnly: boolean): Promise<void> {
  const cancelled = await (loopOnly ? cancelLoopPending : cancelPending).all(tx, { chatId });
  for (const { id } of cancelled) await cancelTimer(tx, 'invitation', id);
  if (cancelled.length > 0) afterCommit(tx, () => countInvitation('cancelled', cancelled.length));
}

/**
 * Ends a pending invitation (accepted, rejected or expired) unless someone got there first, and stops
 * its expiry timer; a loop invitation that was not accepted makes its loop jump on at once.
 * Returns false when the invitation was no longer pending.
 */
export async function endInvitation(
  tx: Tx,
  invitation: InvitationRow,
  status: 'accepted' | 'rejected' | 'expired',
): Promise<boolean> {
  const ended = await endPending.run(tx, { id: invitation.id, status });
  if (Number(ended.numAffectedRows ?? 0) === 0) return false;
  afterCommit(tx, () => countInvitation(status));
  await cancelTimer(tx, 'invitation', invitation.id);
  if (status !== 'accepted' && invitation.loopId !== null) {
    await scheduleTimer(tx, {
      kind: 'jump',
      ref: invitation.chatId,
      appId: invitation.appId,
      due: Date.now(),
      payload: { loopId: invitation.loopId },
    });
  }
  return true;
}
