import { type App, findApp } from '../apps/apps.ts';
import { loadChat } from '../chats/access.ts';
import { addAgentToChat, closeChatInTx, lockChatRow, lockOpenChat } from '../chats/chats.ts';
import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import { rawRows } from '../store/raw.ts';
import type { AssignmentRow, ChatRow, InvitationRow, TimerRow } from '../store/schema.ts';
import { consumeTimer, scheduleTimer, type TimerWorker } from '../timers/timers.ts';
import { isDomainError } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { presentChat } from '../wire/chat.ts';
import type { AssignAdvisor } from './advisor.ts';
import { chooseAgent, invitationStamp } from './choose.ts';
import {
  type Candidate,
  eligibleAgents,
  freeSlots,
  lockEligible,
  onlineAgentsOfRoom,
} from './eligibility.ts';
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
  return isDomainError(error, 'conflict');
}

/** A chat's loop, and whether one of its invitations is out (pending). */
const LOOP_STATE = `select a.chat_id as "chatId", a.app_id as "appId", a.loop_id as "loopId", a.status as "status",
  a.attempt as "attempt", a.max_attempts as "maxAttempts", a."interval" as "interval",
  a.algorithm as "algorithm", a.invited as "invited", a.updated as "updated",
  exists (select 1 from invitations i
    where i.chat_id = a.chat_id and i.loop_id = a.loop_id and i.status = 'pending') as "out"
  from assignments a where a.chat_id = ?`;

const advanceLoop = prepare<
  { chatId: string; loopId: string; attempt: number; previous: number; invited: string; updated: number },
  unknown
>((db, arg) =>
  db
    .updateTable('assignments')
    .set({ attempt: arg('attempt'), invited: arg('invited'), updated: arg('updated') })
    .where('chatId', '=', arg('chatId'))
    .where('loopId', '=', arg('loopId'))
    .where('status', '=', 'running')
    .where('attempt', '=', arg('previous')),
);

const markInvited = prepare<{ id: string; stamp: number }, unknown>((db, arg) =>
  db
    .updateTable('users')
    .set({ lastInvited: arg('stamp') })
    .where('id', '=', arg('id')),
);

const insertInvitation = prepare<InvitationRow, unknown>((db, arg) =>
  db.insertInto('invitations').values({
    id: arg('id'),
    appId: arg('appId'),
    chatId: arg('chatId'),
    userId: arg('userId'),
    inviterId: arg('inviterId'),
    status: arg('status'),
    transfer: arg('transfer'),
    attempt: arg('attempt'),
    loopId: arg('loopId'),
    created: arg('created'),
    expires: arg('expires'),
  }),
);

/** A jump that found nobody free inside its transaction rolls back and starts over. */
const AGAIN = Symbol('again');
const AGAIN_ERROR = new Error('jump again');

export function createRouter(ctx: Ctx, timers: TimerWorker, advisor: AssignAdvisor): Router {
  const router: Router = { advisor };

  /**
   * One jump of the invitation loop (spec 5.2 steps 2–4). The agent is chosen from a read made before
   * the transaction (the `chats:assign` webhook may take seconds to answer), so inside the transaction
   * the chosen agent is locked and read again: a jump never promises a slot another jump has just
   * promised (least-busy would otherwise send every simultaneous jump to the same agent, who can then
   * accept only as many as it has slots). When the slot went meanwhile, the choice is made again from
   * what the transaction sees; with nobody left, the jump starts over.
   */
  async function jump(timer: TimerRow): Promise<void> {
    const { loopId } = JSON.parse(timer.payload) as { loopId?: string };
    for (let round = 0; round < 3; round++) {
      if ((await jumpOnce(timer, loopId)) !== AGAIN) return;
    }
    // Still contended after three tries: look again in a moment (a durable timer, like any jump).
    await commitChange(ctx, timer.appId, async (tx) => {
      await scheduleTimer(tx, {
        kind: 'jump',
        ref: timer.ref,
        appId: timer.appId,
        due: Date.now() + 100,
        payload: { loopId },
      });
    });
  }

  async function jumpOnce(timer: TimerRow, loopId: string | undefined): Promise<typeof AGAIN | undefined> {
    const chatId = timer.ref;
    const db = ctx.store.db;
    const [loop] = await rawRows<AssignmentRow & { out: unknown }>(db, LOOP_STATE, [chatId]);
    if (loop?.status !== 'running' || loop.loopId !== loopId) return;
    if (loop.out) return; // an invitation is out; its answer or expiry moves the loop on
    const app = await findApp(db, loop.appId);
    if (!app) return;
    const chat = await loadChat(db, app.id, loop.chatId).catch(() => undefined);
    if (chat?.row.status !== 'waiting') {
      await commitChange(ctx, app.id, (tx) => stopLoop(tx, loop.chatId));
      return;
    }

    const attempt = loop.attempt + 1;
    const invited = new Set(JSON.parse(loop.invited) as string[]);
    const candidates =
      attempt > loop.maxAttempts ? [] : await eligibleAgents(db, app, chat.row, chat.users, invited);
    if (candidates.length === 0) {
      await giveUp(app, loop, chat.row, attempt, invited);
      return;
    }
    const view = presentChat(chat.row, chat.users);
    const advice = await router.advisor
      .choose({
        app,
        chat: view,
        agents: candidates.map((c) => c.view),
        attempt,
        maxAttempts: loop.maxAttempts,
      })
      .catch(() => undefined);
    const first =
      candidates.find((c) => c.row.id === advice) ?? chooseAgent(loop.algorithm, candidates, reserved)!;
    const release = reserve(first.row.id);

    try {
      await commitChange(ctx, app.id, async (tx, emit) => {
        // Lock order everywhere: the chat row first, then what hangs off it (loop, invitations, timers),
        // then the agent's row.
        await lockOpenChat(tx, loop.chatId);
        await consumeTimer(tx, timer);
        let offered = candidates;
        let chosen = await lockEligible(tx, app, chat.row, chat.users, invited, first.row.id);
        if (!chosen) {
          // The slot went since we looked: choose again among the agents eligible now.
          offered = await eligibleAgents(tx, app, chat.row, chat.users, invited);
          let left = offered;
          for (let tries = 0; !chosen && tries < 5; tries++) {
            const next = chooseAgent(loop.algorithm, left, reserved);
            if (!next) break;
            chosen = await lockEligible(tx, app, chat.row, chat.users, invited, next.row.id);
            left = left.filter((c) => c !== next);
          }
          if (!chosen) throw AGAIN_ERROR; // nobody free any more: roll back and jump again from the start
        }
        invited.add(chosen.row.id);
        const moved = await advanceLoop.run(tx, {
          chatId: loop.chatId,
          loopId: loop.loopId,
          attempt,
          previous: loop.attempt,
          invited: JSON.stringify([...invited]),
          updated: nowSeconds(),
        });
        if (Number(moved.numAffectedRows ?? 0) === 0) return; // another run of this jump got there first
        await emit({
          trigger: 'chats:assign',
          chatId: loop.chatId,
          data: { chat: view, agents: offered.map((c) => c.view), attempt, maxAttempts: loop.maxAttempts },
        });
        await markInvited.run(tx, { id: chosen.row.id, stamp: invitationStamp() });
        if (app.settings.assign.autoAccept) {
          await autoAccept(tx, emit, app, loop, chosen);
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
        await insertInvitation.run(tx, invitation);
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
      if (error === AGAIN_ERROR) return AGAIN;
      if (!isConflict(error)) throw error; // the chat closed meanwhile: nothing to do
    } finally {
      release();
    }
  }

  /** Agents this node's jumps have chosen and not yet committed (see chooseAgent). */
  const reserved = new Map<string, number>();
  function reserve(agentId: string): () => void {
    reserved.set(agentId, (reserved.get(agentId) ?? 0) + 1);
    return () => {
      const left = (reserved.get(agentId) ?? 1) - 1;
      if (left > 0) reserved.set(agentId, left);
      else reserved.delete(agentId);
    };
  }

  async function autoAccept(tx: Tx, emit: Emit, app: App, row: AssignmentRow, agent: Candidate) {
    try {
      await addAgentToChat(tx, emit, app, row.chatId, agent.row);
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
    }
  }

  /**
   * No agent can be invited. In queue mode a chat whose room has agents online but all busy simply
   * waits its turn (the queue offers it when a slot frees); otherwise `forever:alone` and the loop ends.
   */
  async function giveUp(
    app: App,
    loop: AssignmentRow,
    chat: ChatRow,
    attempt: number,
    invited: Set<string>,
  ): Promise<void> {
    let quietly = false;
    if (app.settings.queue.active && chat.inQueue === 1 && attempt <= loop.maxAttempts) {
      const online = await onlineAgentsOfRoom(ctx.store.db, app, chat.room);
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
