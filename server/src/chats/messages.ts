import type { Ctx } from '../context.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { commitChange, type Emit } from '../events/commit.ts';
import type { Actor } from '../policies/actor.ts';
import { isUniqueViolation, type Tx } from '../store/database.ts';
import type { MessageRow } from '../store/schema.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { chatFor, isParticipant, loadChat, mayOnChat, requireOpen } from './access.ts';
import { lockOpenChat } from './chats.ts';
import { type MediaRef, type MessageView, presentMessage } from './present.ts';

export const MAX_MESSAGE_LENGTH = 65536;

export interface SendInput {
  sender?: string;
  message: string;
  type?: 'text' | 'object' | 'system';
  clientId?: string;
}

/**
 * Appends a message inside `tx`: the next `seq` of the chat, the row, and `messages:new`.
 * Callers hold the chat's lock (lockOpenChat), so `seq` has no gaps and no duplicates.
 */
export async function appendMessage(
  tx: Tx,
  emit: Emit,
  chat: { id: string; appId: string },
  message: {
    sender: string;
    type: MessageRow['type'];
    body: string | MediaRef;
    clientId?: string | undefined;
  },
): Promise<{ message: MessageView; eventId: string }> {
  const { lastSeq } = await tx
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', 1), lastActivity: nowSeconds() }))
    .where('id', '=', chat.id)
    .returning('lastSeq')
    .executeTakeFirstOrThrow();
  const row: MessageRow = {
    id: newId(),
    appId: chat.appId,
    chatId: chat.id,
    sender: message.sender,
    type: message.type,
    body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
    seq: lastSeq,
    clientId: message.clientId ?? null,
    eventId: newId(),
    created: nowSeconds(),
  };
  await tx.insertInto('messages').values(row).execute();
  const view = presentMessage(row);
  await emit({ id: row.eventId, trigger: 'messages:new', chatId: chat.id, data: { message: view } });
  return { message: view, eventId: row.eventId };
}

async function findByClientId(
  tx: Tx | Ctx['store']['db'],
  chatId: string,
  sender: string,
  clientId: string,
): Promise<{ message: MessageView; eventId: string } | undefined> {
  const row = await tx
    .selectFrom('messages')
    .selectAll()
    .where('chatId', '=', chatId)
    .where('sender', '=', sender)
    .where('clientId', '=', clientId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { message: presentMessage(row), eventId: row.eventId };
}

/** POST /chats/{id}/messages — idempotent by (sender, clientId): a repeat returns the first message. */
export async function sendMessage(
  ctx: Ctx,
  actor: Actor,
  chatId: string,
  input: SendInput,
): Promise<{ message: MessageView; eventId?: string }> {
  const chat = await chatFor(ctx, actor, chatId, 'participate');
  let sender: string;
  if (actor.user) {
    if (input.sender !== undefined && input.sender !== actor.user.id)
      throw forbidden('sender must be your own user id');
    if (input.type === 'system') throw forbidden('Only the app may send system messages');
    sender = actor.user.id;
  } else {
    sender = input.sender ?? 'system';
    if (sender !== 'system' && !isParticipant(chat, sender))
      throw forbidden('The sender is not in this chat');
  }
  const type = input.type ?? (sender === 'system' ? 'system' : 'text');
  if (input.clientId !== undefined) {
    const existing = await findByClientId(ctx.store.db, chatId, sender, input.clientId);
    if (existing) return existing;
  }
  requireOpen(chat);
  try {
    return await commitChange(ctx, actor.app.id, async (tx, emit) => {
      await lockOpenChat(tx, chatId);
      if (input.clientId !== undefined) {
        const existing = await findByClientId(tx, chatId, sender, input.clientId);
        if (existing) return existing;
      }
      return appendMessage(tx, emit, chat.row, {
        sender,
        type,
        body: input.message,
        clientId: input.clientId,
      });
    });
  } catch (error) {
    // Two concurrent sends with one clientId: the loser answers with the winner's message.
    if (isUniqueViolation(error) && input.clientId !== undefined) {
      const existing = await findByClientId(ctx.store.db, chatId, sender, input.clientId);
      if (existing) return existing;
    }
    throw error;
  }
}

/** GET /chats/{id}/messages — oldest first, after a `seq`. */
export async function listMessages(
  ctx: Ctx,
  actor: Actor,
  chatId: string,
  query: { after?: number; limit: number },
): Promise<{ messages: MessageView[]; next: string | null }> {
  await chatFor(ctx, actor, chatId, 'view');
  const rows = await ctx.store.db
    .selectFrom('messages')
    .selectAll()
    .where('chatId', '=', chatId)
    .where('seq', '>', query.after ?? 0)
    .orderBy('seq')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit).map(presentMessage);
  const next = rows.length > query.limit ? String(items[items.length - 1]!.seq) : null;
  return { messages: items, next };
}

/** PUT /messages/{id}/read — a participant other than the sender reads it; the first read fires `messages:read`. */
export async function readMessage(
  ctx: Ctx,
  actor: Actor,
  messageId: string,
  input: { userId?: string },
): Promise<{ message: { id: string; chat: string; sender: string }; userId: string }> {
  const row = await ctx.store.db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', messageId)
    .where('appId', '=', actor.app.id)
    .executeTakeFirst();
  if (!row) throw notFound('Message not found');
  const chat = await loadChat(ctx.store.db, actor.app.id, row.chatId);
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Message not found');
  let reader: string;
  if (actor.user) {
    if (input.userId !== undefined && input.userId !== actor.user.id)
      throw forbidden('userId must be your own user id');
    reader = actor.user.id;
  } else {
    if (input.userId === undefined)
      throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
    reader = input.userId;
  }
  if (!isParticipant(chat, reader)) throw forbidden('The reader is not in this chat');
  const result = { message: { id: row.id, chat: row.chatId, sender: row.sender }, userId: reader };
  if (reader === row.sender) return result;
  await commitChange(ctx, actor.app.id, async (tx, emit) => {
    // ON CONFLICT DO NOTHING: a second read (even a concurrent one) inserts nothing and fires nothing.
    const inserted = await tx
      .insertInto('messageReads')
      .values({ messageId, userId: reader, appId: actor.app.id, created: nowSeconds() })
      .onConflict((oc) => oc.columns(['messageId', 'userId']).doNothing())
      .returning('userId')
      .executeTakeFirst();
    if (!inserted) return;
    await emit({
      trigger: 'messages:read',
      chatId: row.chatId,
      data: { messageId, chatId: row.chatId, userId: reader },
    });
  });
  return result;
}
