import { type App, findApp } from '../apps/apps.ts';
import { loadChat } from '../chats/access.ts';
import { lockChatRow, lockIfOpen } from '../chats/locks.ts';
import { tryAddAgentToChat } from '../chats/membership.ts';
import { afterCommit, commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { observeJump } from '../meters/meters.ts';
import type { Tx } from '../store/database.ts';
import type { AssignmentRow, ChatRow, TimerRow } from '../store/schema.ts';
import { consumeTimer, scheduleTimer } from '../timers/timers.ts';
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
import { stopLoop } from './loop.ts';
import { invitedList, jumpPayload } from './payloads.ts';
import { dequeue } from './queue.ts';
import { advanceLoop, insertInvitation, loopState, markInvited, stopLoopIfRunning } from './statements.ts';

/** A jump that found nobody free inside its transaction rolls back and starts over. */
const AGAIN = Symbol('again');
const AGAIN_ERROR = new Error('jump again');

/**
 * The `jump` timer handler: one jump of a chat's invitation loop (docs/routing.md, steps 1–3). `advisor()`
 * is asked which agent to invite (the `chats:assign` webhook or stream; it may be replaced at runtime).
 */
export function jumpHandler(ctx: Ctx, advisor: () => AssignAdvisor): (timer: TimerRow) => Promise<void> {
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

  /**
   * The agent is chosen from a read made before the transaction (the `chats:assign` webhook may take
   * seconds to answer), so inside the transaction the chosen agent is locked and read again: a jump
   * never promises a slot another jump has just promised (least-busy would otherwise send every
   * simultaneous jump to the same agent, who can then accept only as many as it has slots). When the
   * slot went meanwhile, the choice is made again from what the transaction sees; with nobody left,
   * the jump starts over.
   */
  async function jump(timer: TimerRow): Promise<void> {
    const { loopId } = jumpPayload(timer.payload);
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
    const loop = await loopState(db, chatId);
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
    const invited = new Set(invitedList(loop.invited));
    const candidates =
      attempt > loop.maxAttempts ? [] : await eligibleAgents(db, app, chat.row, chat.users, invited);
    if (candidates.length === 0) {
      await giveUp(app, loop, chat.row, attempt, invited, timer.due);
      return;
    }
    const view = presentChat(chat.row, chat.users);
    const advice = await advisor()
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
        // then the agent's row. A chat closed meanwhile: nothing to do.
        if ((await lockIfOpen(tx, loop.chatId)) === 'closed') return;
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
        // Measured from the jump being due to its outcome committed (docs/operations.md).
        if (app.settings.assign.autoAccept) {
          if (await autoAccept(tx, emit, app, loop, chosen))
            afterCommit(tx, () => observeJump('joined', timer.due));
          return;
        }
        await invite(tx, emit, app, loop, chosen, attempt);
        afterCommit(tx, () => observeJump('invited', timer.due));
      });
    } catch (error) {
      if (error === AGAIN_ERROR) return AGAIN;
      throw error;
    } finally {
      release();
    }
  }

  async function invite(
    tx: Tx,
    emit: Emit,
    app: App,
    loop: AssignmentRow,
    chosen: Candidate,
    attempt: number,
  ): Promise<void> {
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
  }

  async function autoAccept(tx: Tx, emit: Emit, app: App, row: AssignmentRow, agent: Candidate) {
    if ((await tryAddAgentToChat(tx, emit, app, row.chatId, agent.row)) === 'joined') return true;
    // Filled up since we looked: try the next agent at once.
    await scheduleTimer(tx, {
      kind: 'jump',
      ref: row.chatId,
      appId: row.appId,
      due: Date.now(),
      payload: { loopId: row.loopId },
    });
    return false;
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
    dueMs: number,
  ): Promise<void> {
    let quietly = false;
    if (app.settings.queue.active && chat.inQueue === 1 && attempt <= loop.maxAttempts) {
      const online = await onlineAgentsOfRoom(ctx.store.db, app, chat.room);
      const notYetAsked = online.filter((c) => !invited.has(c.row.id));
      quietly = online.length > 0 && notYetAsked.every((c) => freeSlots(c, app) <= 0);
    }
    await commitChange(ctx, app.id, async (tx, emit) => {
      await lockChatRow(tx, chat.id);
      const stopped = await stopLoopIfRunning(tx, loop.chatId, loop.loopId, nowSeconds());
      if (!stopped || quietly) return;
      await emit({
        trigger: 'forever:alone',
        chatId: chat.id,
        userId: chat.creator,
        data: { chatId: chat.id },
      });
      afterCommit(tx, () => observeJump('alone', dueMs));
      await dequeue(tx, emit, app.id, chat.id);
    });
  }

  return jump;
}
