import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { isParticipant, requireOpen } from '../policies/chats.ts';
import { requireStaff, requireSupervisorOf, supervisingUserId } from '../policies/supervision.ts';
import { requireUser } from '../users/users.ts';
import { nowSeconds } from '../util/time.ts';
import { type Chat, presentChat } from '../wire/chat.ts';
import { loadChat, participantsOf } from './access.ts';
import { chatRouting } from './routing-hooks.ts';
import {
  activateChat,
  agentsInChat,
  chatById,
  deleteParticipant,
  insertParticipant,
  lockAny,
  releaseAgentSlots,
  takeSlotAnyway,
} from './statements.ts';
import { deleteWatcher } from './watchers-sql.ts';

/**
 * POST /chats/{id}/intervene (docs/people.md, "Supervision"): the caller takes the chat over. In one
 * transaction: every other agent leaves (`chats:leave` each, its slot given back), the caller joins
 * (`chats:join`; its watch, if any, ends: it takes part now) and one `chats:intervened` names them.
 * The caller takes a slot even past its capacity: a supervisor stepping in is never refused for a
 * full hand, and routing offers it nothing more until it is under its capacity again. The chat stops
 * waiting (its loop, invitations and queue place end, as at any join). Intervening where the caller
 * is already the only agent changes nothing and fires nothing.
 */
export async function interveneInChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { userId?: string },
): Promise<Chat> {
  const { app } = actor;
  return commitChange(ctx, app.id, async (tx, emit) => {
    await lockAny.run(tx, { id });
    const chat = await loadChat(tx, app.id, id);
    requireSupervisorOf(actor, chat);
    const userId = supervisingUserId(actor, input.userId);
    requireStaff(await requireUser(tx, app.id, userId));
    requireOpen(chat);
    const others = (await agentsInChat(tx, id)).filter((agent) => agent !== userId);
    const joining = !isParticipant(chat, userId);
    if (!joining && others.length === 0) return presentChat(chat.row, chat.users);
    for (const agent of others) {
      await deleteParticipant(tx, id, agent);
      await emit({ trigger: 'chats:leave', chatId: id, data: { chatId: id, userId: agent } });
    }
    await releaseAgentSlots(tx, others);
    if (joining) {
      await deleteWatcher(tx, id, userId);
      await takeSlotAnyway.run(tx, { id: userId });
      await insertParticipant.run(tx, { chatId: id, userId, appId: app.id, joined: nowSeconds() });
      await activateChat.run(tx, { id });
      await emit({ trigger: 'chats:join', chatId: id, data: { chatId: id, userId } });
      await chatRouting().joined(tx, emit, app, id);
    }
    await emit({
      trigger: 'chats:intervened',
      chatId: id,
      data: { chatId: id, interventor: userId, intervenedUsers: others },
    });
    // The agents who left have a free slot again: routing may offer them a waiting chat.
    if (others.length > 0)
      await chatRouting().agentLeft(tx, emit, app, await chatById.one(tx, { id }), 1, others);
    return presentChat(await chatById.one(tx, { id }), await participantsOf(tx, id));
  });
}
