import type { App } from '../apps/apps.ts';
import { lockChatRow, lockIfOpen } from '../chats/locks.ts';
import { removeFromChat } from '../chats/membership.ts';
import type { ChatRouting } from '../chats/routing-hooks.ts';
import { chatById, openChatsOf } from '../chats/statements.ts';
import { endWatchesBeyond, endWatchesOf } from '../chats/watchers.ts';
import type { Emit } from '../events/commit.ts';
import type { Tx } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';
import { cancelTimer, scheduleTimer } from '../timers/timers.ts';
import type { AgentRouting } from '../users/routing-hooks.ts';
import { onlineAgentsOfRoom } from './eligibility.ts';
import {
  cancelAllInvitations,
  cancelLoopInvitations,
  defaultLoopParams,
  endInvitation,
  startLoop,
  stopLoop,
} from './loop.ts';
import { dequeue, enqueue, renumberQueue, schedulePump } from './queue.ts';
import { pendingInvitationsOfAgent, takeOutOfQueue } from './statements.ts';

/**
 * What routing does when a chat changes, inside the transaction of that change, so the loop,
 * the queue and the timers can never disagree with the chat.
 */

/** Chat created: queue it, or start its loop (assign.onCreate); arm the inactivity timer. */
export async function routeNewChat(tx: Tx, emit: Emit, app: App, chat: ChatRow): Promise<void> {
  await armInactivity(tx, app, chat.id, chat.lastActivity);
  await routeWaitingChat(tx, emit, app, chat, app.settings.assign.onCreate, [], true);
}

/** A chat that needs an agent: into the queue (queue mode), or a new loop when `startNow`. */
async function routeWaitingChat(
  tx: Tx,
  emit: Emit,
  app: App,
  chat: ChatRow,
  startNow: boolean,
  skip: string[] = [],
  newChat = false,
): Promise<void> {
  if (app.settings.queue.active) {
    await enqueue(tx, emit, app.id, chat.id, chat.room);
    const online = await onlineAgentsOfRoom(tx, app, chat.room);
    if (online.length === 0) {
      // Nobody of the room is online: say so at once rather than let the chat wait in silence.
      await emit({
        trigger: 'forever:alone',
        chatId: chat.id,
        userId: chat.creator,
        data: { chatId: chat.id },
      });
      await dequeue(tx, emit, app.id, chat.id);
      return;
    }
    await schedulePump(tx, app, chat.room);
    return;
  }
  if (startNow) await startLoop(tx, app, chat.id, defaultLoopParams(app), skip, newChat);
}

/** An agent joined: the loop has done its work, the chat leaves the queue. */
export async function routeJoinedChat(tx: Tx, emit: Emit, app: App, chatId: string): Promise<void> {
  await stopLoop(tx, chatId);
  await cancelLoopInvitations(tx, chatId);
  await dequeue(tx, emit, app.id, chatId);
}

/**
 * Chat closed: stop its loop, cancel its invitations, close its queue gap, offer the freed slots.
 * `chat` is the row as the closing transaction left it (its `inQueue` tells whether there is a gap).
 */
export async function routeClosedChat(tx: Tx, emit: Emit, app: App, chat: ChatRow): Promise<void> {
  await stopLoop(tx, chat.id);
  await cancelAllInvitations(tx, chat.id);
  if (chat.inQueue === 1) await dequeue(tx, emit, app.id, chat.id);
  // With inactivity off no timer is armed; one armed before it was turned off finds the chat closed.
  if (app.settings.chats.inactivityTimeout > 0) await cancelTimer(tx, 'inactivity', chat.id);
  await schedulePump(tx, app, chat.room);
}

/** An agent left an open chat: with no agent left it goes back to routing; its slot is free again. */
export async function routeAfterLeave(
  tx: Tx,
  emit: Emit,
  app: App,
  chat: ChatRow,
  agentsLeft: number,
  skip: string[] = [],
): Promise<void> {
  if (agentsLeft === 0 && chat.status !== 'closed') await routeWaitingChat(tx, emit, app, chat, true, skip);
  await schedulePump(tx, app, chat.room);
}

/** The chat moved to another room: route it again there. */
export async function routeRoomChange(
  tx: Tx,
  emit: Emit,
  app: App,
  chat: ChatRow,
  oldRoom: number,
): Promise<void> {
  if (chat.status !== 'waiting') return;
  await stopLoop(tx, chat.id);
  if (chat.inQueue === 1) {
    await takeOutOfQueue(tx, chat.id);
    await renumberQueue(tx, emit, app.id, oldRoom);
  }
  await routeWaitingChat(tx, emit, app, chat, true);
}

/** Inactivity auto-close (docs/routing.md): one timer per chat, moved forward lazily on newer activity. */
export async function armInactivity(tx: Tx, app: App, chatId: string, lastActivity: number): Promise<void> {
  const timeout = app.settings.chats.inactivityTimeout;
  if (timeout <= 0) return;
  await scheduleTimer(tx, {
    kind: 'inactivity',
    ref: chatId,
    appId: app.id,
    due: (lastActivity + timeout) * 1000,
  });
}

/**
 * An agent's availability changed (login, logout, status, rooms, capacity): the queues of the rooms
 * concerned are looked at again — offered to a newly free agent, or told `forever:alone` when the last
 * agent of a room went away.
 */
export async function routeAgentAvailability(tx: Tx, app: App, rooms: Iterable<number>): Promise<void> {
  for (const room of new Set(rooms)) await schedulePump(tx, app, room);
}

/** Routing's side of the chat commands (chats/routing-hooks.ts), plugged in by server.ts. */
export const chatRouting: ChatRouting = {
  created: routeNewChat,
  joined: routeJoinedChat,
  closed: routeClosedChat,
  agentLeft: routeAfterLeave,
  roomChanged: routeRoomChange,
  priorityChanged: (tx, emit, app, chat) => renumberQueue(tx, emit, app.id, chat.room),
};

/**
 * An agent was deactivated (docs/security.md, "Sessions"): it leaves every open chat (`chats:leave`),
 * and each chat left with no agent goes back to routing — the queue, or a new loop — skipping it;
 * it stops watching every chat it watched.
 */
export async function routeAgentDeparture(tx: Tx, emit: Emit, app: App, agentId: string): Promise<void> {
  // Every chat row is locked before the first event (the grace expiry's order).
  const open: string[] = [];
  for (const chatId of await openChatsOf(tx, agentId)) {
    if ((await lockIfOpen(tx, chatId)) === 'open') open.push(chatId);
  }
  const invitations = await pendingInvitationsOfAgent(tx, agentId);
  for (const invitation of invitations) await lockChatRow(tx, invitation.chatId);
  // Its invitations end now (expired), so their loops jump on at once instead of waiting for them.
  for (const invitation of invitations) await endInvitation(tx, invitation, 'expired');
  for (const chatId of open) {
    const { agentsLeft } = await removeFromChat(tx, emit, chatId, agentId);
    await routeAfterLeave(tx, emit, app, await chatById.one(tx, { id: chatId }), agentsLeft, [agentId]);
  }
  // Its watches end too (docs/people.md, "Supervision"): a deactivated person hears nothing more.
  await endWatchesOf(tx, agentId);
}

/** Routing's side of the agent commands (users/routing-hooks.ts), plugged in by server.ts. */
export const agentRouting: AgentRouting = {
  availabilityChanged: routeAgentAvailability,
  departed: routeAgentDeparture,
  overseeing: endWatchesBeyond,
};
