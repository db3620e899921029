import { loadChat, lockedChatFor, participantsOf } from '../chats/access.ts';
import { lockChatRow, lockOpenChat } from '../chats/locks.ts';
import { addAgentToChat, removeFromChat } from '../chats/membership.ts';
import { agentsInChat, chatById } from '../chats/statements.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { type Actor, actingUserId, listedUserId } from '../policies/actor.ts';
import { isParticipant, requireOpen } from '../policies/chats.ts';
import {
  requireAnsweringAgent,
  requireOwnInvitation,
  requireTransferInviter,
} from '../policies/invitations.ts';
import { isUniqueViolation } from '../store/database.ts';
import type { InvitationRow } from '../store/schema.ts';
import { scheduleTimer } from '../timers/timers.ts';
import { requireAgent } from '../users/agents.ts';
import { badRequest, conflict, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { type Chat as ChatView, presentChat } from '../wire/chat.ts';
import { type Invitation as InvitationView, presentInvitation } from '../wire/invitation.ts';
import type { Algorithm } from './choose.ts';
import { routeAfterLeave } from './hooks.ts';
import { defaultLoopParams, endInvitation, type LoopParams, startLoop } from './loop.ts';
import { enqueue } from './queue.ts';
import { insertInvitation, pendingOf, runningLoop, selectInvitations } from './statements.ts';

/** POST /invitations — an agent in the chat (or the app) invites another agent; `transfer` hands the chat over. */
export async function inviteAgent(
  ctx: Ctx,
  actor: Actor,
  input: { chatId: string; userId: string; transfer?: boolean },
): Promise<InvitationView> {
  try {
    return await commitChange(ctx, actor.app.id, async (tx, emit) => {
      const chat = await lockedChatFor(tx, actor, input.chatId, 'agentInChat');
      requireOpen(chat);
      const agent = await requireAgent(tx, actor.app, input.userId);
      if (isParticipant(chat, agent.id)) throw conflict('The agent is already in this chat');
      const inviter = requireTransferInviter(actor, input.transfer);
      const now = nowSeconds();
      const row: InvitationRow = {
        id: newId(),
        appId: actor.app.id,
        chatId: chat.row.id,
        userId: agent.id,
        inviterId: inviter?.id ?? null,
        status: 'pending',
        transfer: input.transfer ? 1 : 0,
        attempt: null,
        loopId: null,
        created: now,
        expires: now + actor.app.settings.assign.timeout,
      };
      await insertInvitation.run(tx, row);
      await emit({
        trigger: 'invitations:new',
        chatId: row.chatId,
        userId: row.userId,
        data: { chatId: row.chatId, userId: row.userId, invitationId: row.id, expires: row.expires },
      });
      await scheduleTimer(tx, { kind: 'invitation', ref: row.id, appId: row.appId, due: row.expires * 1000 });
      return presentInvitation(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('The agent already has a pending invitation to this chat');
    throw error;
  }
}

/** GET /invitations — the app's, or an agent's own. */
export async function listInvitations(
  ctx: Ctx,
  actor: Actor,
  query: PageQuery & { userId?: string; status?: InvitationRow['status']; chatId?: string },
): Promise<{ invitations: InvitationView[]; next: string | null }> {
  const userId = listedUserId(actor, query.userId);
  const limit = limitOf(query);
  const before = decodeCursor(query.cursor);
  const rows = await selectInvitations(ctx.store.db, {
    appId: actor.app.id,
    userId,
    status: query.status,
    chatId: query.chatId,
    before,
    limit,
  });
  const { items, next } = page(rows, limit);
  return { invitations: items.map(presentInvitation), next };
}

async function pendingInvitation(
  ctx: Ctx,
  actor: Actor,
  chatId: string,
  userId: string | undefined,
): Promise<InvitationRow> {
  const invitee = actingUserId(actor, userId);
  if (invitee === undefined)
    throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
  const row = await pendingOf.first(ctx.store.db, { appId: actor.app.id, chatId, userId: invitee });
  if (!row) {
    // Say 403 rather than 404 when the invitation exists but belongs to another agent.
    requireOwnInvitation(actor, userId);
    throw notFound('No pending invitation');
  }
  return row;
}

/**
 * POST /invitations/accept — the invitee joins (`invitations:accept`, `chats:join`). The slot is taken
 * by the same conditional update as any join, so simultaneous accepts never overfill an agent.
 */
export async function acceptInvitation(
  ctx: Ctx,
  actor: Actor,
  input: { chatId: string; userId?: string },
): Promise<{ chat: ChatView; invitation: InvitationView }> {
  requireAnsweringAgent(actor, 'accept');
  const row = await pendingInvitation(ctx, actor, input.chatId, input.userId);
  if (row.expires <= nowSeconds()) {
    await commitChange(ctx, actor.app.id, async (tx) => {
      await lockChatRow(tx, row.chatId);
      await endInvitation(tx, row, 'expired');
    });
    throw conflict('The invitation has expired');
  }
  const agent = await requireAgent(ctx.store.db, actor.app, row.userId);
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    await lockOpenChat(tx, row.chatId);
    if (!(await endInvitation(tx, row, 'accepted'))) throw conflict('The invitation is no longer pending');
    await emit({
      trigger: 'invitations:accept',
      chatId: row.chatId,
      userId: row.userId,
      data: { chatId: row.chatId, userId: row.userId },
    });
    await addAgentToChat(tx, emit, actor.app, row.chatId, agent);
    if (row.transfer === 1 && row.inviterId !== null) {
      if ((await participantsOf(tx, row.chatId)).includes(row.inviterId)) {
        const { agentsLeft } = await removeFromChat(tx, emit, row.chatId, row.inviterId);
        await routeAfterLeave(tx, emit, actor.app, await chatById.one(tx, { id: row.chatId }), agentsLeft);
      }
    }
    const chat = await loadChat(tx, actor.app.id, row.chatId);
    return {
      chat: presentChat(chat.row, chat.users),
      invitation: presentInvitation({ ...row, status: 'accepted' }),
    };
  });
}

/** POST /invitations/reject — the invitee declines; a loop invitation makes the loop jump on at once. */
export async function rejectInvitation(
  ctx: Ctx,
  actor: Actor,
  input: { chatId: string; userId?: string },
): Promise<InvitationView> {
  requireAnsweringAgent(actor, 'reject');
  const row = await pendingInvitation(ctx, actor, input.chatId, input.userId);
  await commitChange(ctx, actor.app.id, async (tx) => {
    await lockChatRow(tx, row.chatId);
    if (!(await endInvitation(tx, row, 'rejected'))) throw conflict('The invitation is no longer pending');
  });
  return presentInvitation({ ...row, status: 'rejected' });
}

export interface AssignRequest {
  algorithm?: Algorithm;
  maxAttempts?: number;
  interval?: number;
}

/**
 * GET|POST /chats/{id}/assign — starts the loop when none runs; while one runs, answers with it and
 * changes nothing (HyperChat connectors call it right after creating a chat).
 */
export async function assignChat(
  ctx: Ctx,
  actor: Actor,
  chatId: string,
  request: AssignRequest,
): Promise<{ chat: ChatView; assignment: LoopParams }> {
  const defaults = defaultLoopParams(actor.app);
  const params: LoopParams = {
    algorithm: request.algorithm ?? defaults.algorithm,
    maxAttempts: request.maxAttempts ?? defaults.maxAttempts,
    interval: request.interval ?? defaults.interval,
  };
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    const chat = await lockedChatFor(tx, actor, chatId, 'view');
    requireOpen(chat);
    if (chat.row.status !== 'waiting') throw conflict('The chat already has an agent');
    const running = await runningLoop(tx, chatId);
    let assignment = params;
    if (running) {
      assignment = {
        algorithm: running.algorithm,
        maxAttempts: running.maxAttempts,
        interval: running.interval,
      };
    } else {
      if (actor.app.settings.queue.active) {
        if (chat.row.inQueue !== 1) await enqueue(tx, emit, actor.app.id, chatId, chat.row.room);
      }
      await startLoop(tx, actor.app, chatId, params);
    }
    const fresh = await loadChat(tx, actor.app.id, chatId);
    return { chat: presentChat(fresh.row, fresh.users), assignment };
  });
}

/** POST /chats/{id}/toinbox — the agents leave, the chat waits again, and routing restarts without them first. */
export async function sendToInbox(ctx: Ctx, actor: Actor, chatId: string): Promise<ChatView> {
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    const chat = await lockedChatFor(tx, actor, chatId, 'agentInChat');
    requireOpen(chat);
    const agents = await agentsInChat(tx, chatId);
    if (agents.length === 0) throw conflict('No agent is in this chat');
    for (const id of agents) await removeFromChat(tx, emit, chatId, id);
    await routeAfterLeave(tx, emit, actor.app, await chatById.one(tx, { id: chatId }), 0, agents);
    const fresh = await loadChat(tx, actor.app.id, chatId);
    return presentChat(fresh.row, fresh.users);
  });
}
