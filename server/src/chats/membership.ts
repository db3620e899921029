import type { App } from '../apps/apps.ts';
import type { Emit } from '../events/commit.ts';
import { isUniqueViolation, type Tx } from '../store/database.ts';
import type { UserRow } from '../store/schema.ts';
import { conflict } from '../util/errors.ts';
import { nowSeconds } from '../util/time.ts';
import { chatRouting } from './routing-hooks.ts';
import {
  activateChat,
  agentsInChat,
  deleteParticipant,
  insertParticipant,
  recordChatAgent,
  releaseAgentSlots,
  roleOf,
  setWaitingIfActive,
  takeSlot,
} from './statements.ts';

/**
 * Puts an agent into a chat: takes a slot only if one is free (a single conditional UPDATE, so concurrent
 * joins on any number of nodes can never overfill an agent), marks the chat active, emits `chats:join`.
 * Answers `'no-slot'` or `'already-in'` instead of joining; routing tries another agent then.
 */
export async function tryAddAgentToChat(
  tx: Tx,
  emit: Emit,
  app: App,
  chatId: string,
  agent: Pick<UserRow, 'id'>,
): Promise<'joined' | 'no-slot' | 'already-in'> {
  const taken = await takeSlot.run(tx, { id: agent.id, maxChats: app.settings.assign.maxChatsPerAgent });
  if (Number(taken.numAffectedRows ?? 0) === 0) return 'no-slot';
  try {
    await insertParticipant.run(tx, { chatId, userId: agent.id, appId: app.id, joined: nowSeconds() });
  } catch (error) {
    if (isUniqueViolation(error)) return 'already-in';
    throw error;
  }
  await recordChatAgent.run(tx, { chatId, userId: agent.id, appId: app.id });
  await activateChat.run(tx, { id: chatId });
  await emit({ trigger: 'chats:join', chatId, data: { chatId, userId: agent.id } });
  await chatRouting().joined(tx, emit, app, chatId);
  return 'joined';
}

/** tryAddAgentToChat for commands: no slot or already in is the client's 409. */
export async function addAgentToChat(
  tx: Tx,
  emit: Emit,
  app: App,
  chatId: string,
  agent: Pick<UserRow, 'id'>,
): Promise<void> {
  const result = await tryAddAgentToChat(tx, emit, app, chatId, agent);
  if (result === 'no-slot') throw conflict('Agent has no free slot');
  if (result === 'already-in') throw conflict('Agent is already in this chat');
}

/**
 * Removes a participant, gives an agent's slot back, emits `chats:leave`; with no agent left the chat
 * waits again. Routing the chat again is the caller's choice (leave, toinbox and transfer differ).
 */
export async function removeFromChat(
  tx: Tx,
  emit: Emit,
  chatId: string,
  userId: string,
): Promise<{ wasAgent: boolean; agentsLeft: number }> {
  if (!(await deleteParticipant(tx, chatId, userId))) throw conflict('User is not in this chat');
  await releaseAgentSlots(tx, [userId]);
  await emit({ trigger: 'chats:leave', chatId, data: { chatId, userId } });
  const agents = await agentsInChat(tx, chatId);
  if (agents.length === 0) await setWaitingIfActive(tx, chatId);
  return { wasAgent: (await roleOf(tx, userId)) === 'agent', agentsLeft: agents.length };
}
