import { findApp } from '../apps/apps.ts';
import { loadChat } from '../chats/access.ts';
import { addAgentToChat, closeChatInTx, lockChatRow, lockOpenChat } from '../chats/chats.ts';
import { presentChat } from '../chats/present.ts';
import type { Ctx } from '../context.ts';
import { ApiError } from '../errors.ts';
import { commitChange, type Emit } from '../events/commit.ts';
import type { Tx } from '../store/database.ts';
import type { AssignmentRow, ChatRow, TimerRow } from '../store/schema.ts';
import { scheduleTimer, type TimerWorker } from '../timers/timers.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import type { AssignAdvisor } from './advisor.ts';
import { chooseAgent, invitationStamp } from './choose.ts';
import { type Candidate, eligibleAgents, freeSlots, onlineAgentsOfRoom } from './eligibility.ts';
import { armInactivity } from './hooks.ts';
import { defaultLoopParams, endInvitation, startLoop, stopLoop } from './loop.ts';
import { dequeue, lockRoom } from './queue.ts';

/**
 * The routing engine: the timer handlers that move chats towards agents. Every step re-reads the
 * state it acts on and commits only if nothing moved meanwhile, so a step run twice (at-least-once
 * timers, several nodes) has the effect of running once.
 */
export interface Router {
  advisor: AssignAdvisor;
}

function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409;
}

export function createRouter(ctx: Ctx, timers: TimerWorker, advisor: AssignAdvisor): Router {
  const router: Router = { advisor };

  /** One jump of the invitation loop (spec 5.2 steps 2–4). */
  async function jump(timer: TimerRow): Promise<void> {
    const { loopId } = JSON.parse(timer.payload) as { loopId?: string };
    const db = ctx.store.db;
    const loop = await db
      .selectFrom('assignments')
      .selectAll()
      .where('chatId', '=', timer.ref)
      .executeTakeFirst();
    if (loop?.status !== 'running' || loop.loopId !== loopId) return;
    const app = await findApp(db, loop.appId);
    if (!app) return;
    const chat = await loadChat(db, app.id, loop.chatId).catch(() => undefined);
    if (chat?.row.status !== 'waiting') {
      await commitChange(ctx, app.id, (tx) => stopLoop(tx, loop.chatId));
      return;
    }
    const out = await db
      .selectFrom('invitations')
      .select('id')
      .where('chatId', '=', loop.chatId)
      .where('loopId', '=', loop.loopId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (out) return; // an invitation is out; its answer or expiry moves the loop on

    const attempt = loop.attempt + 1;
    const invited = new Set(JSON.parse(loop.invited) as string[]);
    const candidates =
      attempt > loop.maxAttempts ? [] : await eligibleAgents(db, app, chat.row, chat.users, invited);
    if (candidates.length === 0) {
      await giveUp(loop, chat.row, attempt, invited);
      return;
    }
    const view = presentChat(chat.row, chat.users);
    const agents = candidates.map((c) => c.view);
    const advice = await router.advisor
      .choose({ app, chat: view, agents, attempt, maxAttempts: loop.maxAttempts })
      .catch(() => undefined);
    const chosen = candidates.find((c) => c.row.id === advice) ?? chooseAgent(loop.algorithm, candidates)!;

    try {
      await commitChange(ctx, app.id, async (tx, emit) => {
        // Lock order everywhere: the chat row first, then what hangs off it (loop, invitations, timers).
        await lockOpenChat(tx, loop.chatId);
        invited.add(chosen.row.id);
        const moved = await tx
          .updateTable('assignments')
          .set({ attempt, invited: JSON.stringify([...invited]), updated: nowSeconds() })
          .where('chatId', '=', loop.chatId)
          .where('loopId', '=', loop.loopId)
          .where('status', '=', 'running')
          .where('attempt', '=', loop.attempt)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return; // another run of this jump got there first
        await emit({
          trigger: 'chats:assign',
          chatId: loop.chatId,
          data: { chat: view, agents, attempt, maxAttempts: loop.maxAttempts },
        });
        await tx
          .updateTable('users')
          .set({ lastInvited: invitationStamp() })
          .where('id', '=', chosen.row.id)
          .execute();
        if (app.settings.assign.autoAccept) {
          await autoAccept(tx, emit, loop, chosen);
          return;
        }
        const now = nowSeconds();
        const invitation = {
          id: newId(),
          appId: app.id,
          chatId: loop.chatId,
          userId: chosen.row.id,
          inviterId: null,
          status: 'pending' as const,
          transfer: 0,
          attempt,
          loopId: loop.loopId,
          created: now,
          expires: now + loop.interval,
        };
        await tx.insertInto('invitations').values(invitation).execute();
        await emit({
          trigger: 'invitations:new',
          chatId: loop.chatId,
          userId: chosen.row.id,
          data: {
            chatId: loop.chatId,
            userId: chosen.row.id,
            invitationId: invitation.id,
            expires: invitation.expires,
          },
        });
        await scheduleTimer(tx, {
          kind: 'invitation',
          ref: invitation.id,
          appId: app.id,
          due: invitation.expires * 1000,
        });
      });
    } catch (error) {
      if (!isConflict(error)) throw error; // the chat closed meanwhile: nothing to do
    }

    async function autoAccept(tx: Tx, emit: Emit, row: AssignmentRow, agent: Candidate) {
      try {
        await addAgentToChat(tx, emit, app!, row.chatId, agent.row);
      } catch (error) {
        if (!isConflict(error)) throw error;
        // Filled up since we looked: try the next agent at once.
        await scheduleTimer(tx, {
          kind: 'jump',
          ref: row.chatId,
          appId: row.appId,
          due: Date.now(),
          payload: { loopId: row.loopId },
        });
        return;
      }
    }
  }

  /**
   * No agent can be invited. In queue mode a chat whose room has agents online but all busy simply
   * waits its turn (the queue offers it when a slot frees); otherwise `forever:alone` and the loop ends.
   */
  async function giveUp(
    loop: AssignmentRow,
    chat: ChatRow,
    attempt: number,
    invited: Set<string>,
  ): Promise<void> {
    const app = (await findApp(ctx.store.db, loop.appId))!;
    let quietly = false;
    if (app.settings.queue.active && chat.inQueue === 1 && attempt <= loop.maxAttempts) {
      const online = await onlineAgentsOfRoom(ctx.store.db, app.id, chat.room);
      const notYetAsked = online.filter((c) => !invited.has(c.row.id));
      quietly = online.length > 0 && notYetAsked.every((c) => freeSlots(c, app) <= 0);
    }
    await commitChange(ctx, app.id, async (tx, emit) => {
      await lockChatRow(tx, chat.id);
      const stopped = await tx
        .updateTable('assignments')
        .set({ status: 'stopped', updated: nowSeconds() })
        .where('chatId', '=', loop.chatId)
        .where('loopId', '=', loop.loopId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(stopped.numUpdatedRows) === 0 || quietly) return;
      await emit({
        trigger: 'forever:alone',
        chatId: chat.id,
        userId: chat.creator,
        data: { chatId: chat.id },
      });
      await dequeue(tx, emit, app.id, chat.id);
    });
  }

  /** An invitation ran out: mark it expired, and let its loop jump on. */
  async function expire(timer: TimerRow): Promise<void> {
    const invitation = await ctx.store.db
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', timer.ref)
      .executeTakeFirst();
    if (invitation?.status !== 'pending') return;
    await commitChange(ctx, invitation.appId, async (tx) => {
      await lockChatRow(tx, invitation.chatId);
      await endInvitation(tx, invitation, 'expired');
    });
  }

  /**
   * Offers a room's queue to free agents (spec 5.3): as many chats from the head as there are free
   * slots get a loop; with nobody of the room online, every queued chat hears `forever:alone`.
   */
  async function pump(timer: TimerRow): Promise<void> {
    const { room } = JSON.parse(timer.payload) as { room: number };
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app?.settings.queue.active) return;
    await commitChange(ctx, app.id, async (tx, emit) => {
      await lockRoom(tx, app.id, room);
      const queued = await tx
        .selectFrom('chats')
        .selectAll()
        .where('appId', '=', app.id)
        .where('room', '=', room)
        .where('inQueue', '=', 1)
        .where('status', '=', 'waiting')
        .orderBy('priority', 'desc')
        .orderBy('created')
        .orderBy('id')
        .execute();
      if (queued.length === 0) return;
      const online = await onlineAgentsOfRoom(tx, app.id, room);
      if (online.length === 0) {
        for (const chat of queued) {
          await stopLoop(tx, chat.id);
          await emit({
            trigger: 'forever:alone',
            chatId: chat.id,
            userId: chat.creator,
            data: { chatId: chat.id },
          });
          await tx
            .updateTable('chats')
            .set({ inQueue: 0, queuePosition: null })
            .where('id', '=', chat.id)
            .execute();
        }
        return;
      }
      const running = await tx
        .selectFrom('assignments')
        .select(['chatId', 'loopId'])
        .where(
          'chatId',
          'in',
          queued.map((c) => c.id),
        )
        .where('status', '=', 'running')
        .execute();
      const pendingLoops = await tx
        .selectFrom('invitations')
        .select('loopId')
        .where(
          'chatId',
          'in',
          queued.map((c) => c.id),
        )
        .where('status', '=', 'pending')
        .where('loopId', 'is not', null)
        .execute();
      const withInvitation = new Set(pendingLoops.map((p) => p.loopId));
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
  }

  /** Inactivity: close the chat once it has been quiet for `chats.inactivityTimeout` seconds. */
  async function inactivity(timer: TimerRow): Promise<void> {
    const app = await findApp(ctx.store.db, timer.appId);
    if (!app) return;
    const chat = await ctx.store.db
      .selectFrom('chats')
      .selectAll()
      .where('id', '=', timer.ref)
      .executeTakeFirst();
    if (!chat || chat.status === 'closed') return;
    const timeout = app.settings.chats.inactivityTimeout;
    if (timeout <= 0) return;
    await commitChange(ctx, app.id, async (tx, emit) => {
      if (chat.lastActivity + timeout > nowSeconds()) {
        await armInactivity(tx, app, chat.id, chat.lastActivity);
        return;
      }
      try {
        await closeChatInTx(tx, emit, app, chat.id, 'system', { reason: 'inactivity' });
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    });
  }

  timers.register('jump', jump);
  timers.register('invitation', expire);
  timers.register('queue', pump);
  timers.register('inactivity', inactivity);
  return router;
}
