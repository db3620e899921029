import type { App } from '../apps/apps.ts';
import { surveyOnClose } from '../apps/survey-settings.ts';
import type { Emit } from '../events/commit.ts';
import type { LoadedChat } from '../policies/chats.ts';
import type { Tx } from '../store/database.ts';
import { createTicketOnClose } from '../tickets/tickets.ts';
import { conflict } from '../util/errors.ts';
import { nowSeconds } from '../util/time.ts';
import { participantsOf } from './access.ts';
import { chatRouting } from './routing-hooks.ts';
import { chatById, closeOpenChat, releaseAgentSlots, updateChatRow } from './statements.ts';
import { deleteWatchersOfChat } from './watchers-sql.ts';

/**
 * Closes a chat inside `tx`: status, agents' slots, `chats:close`, its watches, the ticket with its
 * `system:info`, and the survey's `system:info` to the creator (docs/surveys.md) unless
 * `extraData.survey` is false.
 * Shared by DELETE /chats/{id}, a creator leaving, and the timers (inactivity, reconnect grace).
 * Returns the closed chat with its participants (closing removes nobody), or `'closed'` when it
 * was closed already (the timers stop there).
 */
export async function closeIfOpen(
  tx: Tx,
  emit: Emit,
  app: App,
  chatId: string,
  closer: string,
  extraData: Record<string, unknown> | undefined,
): Promise<LoadedChat | 'closed'> {
  const result = await closeOpenChat.run(tx, { id: chatId, now: nowSeconds(), closer });
  if (Number(result.numAffectedRows ?? 0) === 0) return 'closed';
  const users = await participantsOf(tx, chatId);
  await releaseAgentSlots(tx, users);
  await emit({
    trigger: 'chats:close',
    chatId,
    data: { chatId, userId: closer, ...(extraData !== undefined ? { extraData } : {}) },
  });
  // Watches end with the chat, once its watchers have heard it close (docs/people.md, "Supervision").
  await deleteWatchersOfChat(tx, chatId);
  if (app.settings.tickets.createOnClose) {
    const row = await chatById.one(tx, { id: chatId });
    const ticketId = await createTicketOnClose(tx, row, emit);
    await updateChatRow(tx, chatId, { ticketId });
  }
  const closed = await chatById.one(tx, { id: chatId });
  const survey = extraData?.survey === false ? null : surveyOnClose(app.settings, closed.room);
  if (survey) {
    const data = {
      type: 'survey',
      surveyId: survey.id,
      chatId,
      ...(closed.ticketId ? { ticketId: closed.ticketId } : {}),
    };
    await emit({ trigger: 'system:info', chatId, userId: closed.creator, data: { chatId, data } });
  }
  await chatRouting().closed(tx, emit, app, closed);
  return { row: closed, users };
}

/** closeIfOpen for commands: closing a closed chat is the client's 409. */
export async function closeChatInTx(
  tx: Tx,
  emit: Emit,
  app: App,
  chatId: string,
  closer: string,
  extraData: Record<string, unknown> | undefined,
): Promise<LoadedChat> {
  const closed = await closeIfOpen(tx, emit, app, chatId, closer, extraData);
  if (closed === 'closed') throw conflict('Chat is closed');
  return closed;
}
