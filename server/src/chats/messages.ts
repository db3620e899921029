import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { requireOpen } from '../policies/chats.ts';
import { messageReader, messageSender } from '../policies/messages.ts';
import { isUniqueViolation, type Tx } from '../store/database.ts';
import type { MessageRow } from '../store/schema.ts';
import { notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { type MediaRef, type Message as MessageView, presentMessage } from '../wire/message.ts';
import { chatFor, loadChat, takeSeqOfChat } from './access.ts';
import {
  bumpSeq,
  insertMessage,
  insertRead,
  messageByClientId,
  messageOfApp,
  messagesAfter,
} from './statements.ts';

export const MAX_MESSAGE_LENGTH = 65536;

export interface SendInput {
  sender?: string;
  message: string;
  type?: 'text' | 'object' | 'system';
  clientId?: string;
}

type NewMessage = {
  sender: string;
  type: MessageRow['type'];
  body: string | MediaRef;
  clientId?: string | undefined;
};

/** Writes the message with its `seq` (already taken from the chat) and emits `messages:new`. */
async function writeMessage(
  tx: Tx,
  emit: Emit,
  chat: { id: string; appId: string },
  seq: number,
  message: NewMessage,
  participants?: readonly string[],
): Promise<{ message: MessageView; eventId: string }> {
  const created = nowSeconds();
  const row: MessageRow = {
    id: newId(),
    appId: chat.appId,
    chatId: chat.id,
    sender: message.sender,
    type: message.type,
    body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
    seq,
    clientId: message.clientId ?? null,
    eventId: newId(),
    created,
  };
  await insertMessage.run(tx, row);
  const view = presentMessage(row);
  await emit(
    { id: row.eventId, trigger: 'messages:new', chatId: chat.id, data: { message: view } },
    participants,
  );
  return { message: view, eventId: row.eventId };
}

/**
 * Appends a message inside `tx`: the next `seq` of the chat, the row, and `messages:new`.
 * Callers hold the chat's lock (lockOpenChat), so `seq` has no gaps and no duplicates.
 */
export async function appendMessage(
  tx: Tx,
  emit: Emit,
  chat: { id: string; appId: string },
  message: NewMessage,
): Promise<{ message: MessageView; eventId: string }> {
  const { lastSeq } = await bumpSeq.one(tx, { id: chat.id, now: nowSeconds() });
  return writeMessage(tx, emit, chat, lastSeq, message);
}

async function findByClientId(
  db: Tx | Ctx['store']['db'],
  chatId: string,
  sender: string,
  clientId: string,
): Promise<{ message: MessageView; eventId: string } | undefined> {
  const row = await messageByClientId.first(db, { chatId, sender, clientId });
  if (!row) return undefined;
  return { message: presentMessage(row), eventId: row.eventId };
}

/**
 * POST /chats/{id}/messages — idempotent by (sender, clientId): a repeat returns the first message.
 * All of it runs in one transaction that starts by taking the chat's next seq (see takeSeqOfChat):
 * the fewest statements for the commonest write.
 */
export async function sendMessage(
  ctx: Ctx,
  actor: Actor,
  chatId: string,
  input: SendInput,
): Promise<{ message: MessageView; eventId?: string }> {
  const appId = actor.app.id;
  let sender: string | undefined;
  try {
    return await commitChange(ctx, appId, async (tx, emit) => {
      if (input.clientId !== undefined) {
        // A repeat is answered before a seq is taken, and only to someone who may send here.
        const current = await loadChat(tx, appId, chatId);
        sender = messageSender(actor, current, input).sender;
        const existing = await findByClientId(tx, chatId, sender, input.clientId);
        if (existing) return existing;
      }
      const chat = await takeSeqOfChat(tx, appId, chatId, nowSeconds());
      if (!chat) throw notFound('Chat not found');
      const { row } = chat;
      const checked = messageSender(actor, chat, input);
      sender = checked.sender;
      requireOpen(chat);
      return writeMessage(
        tx,
        emit,
        row,
        row.lastSeq,
        { sender: checked.sender, type: checked.type, body: input.message, clientId: input.clientId },
        chat.users,
      );
    });
  } catch (error) {
    // Two concurrent sends with one clientId: the loser answers with the winner's message.
    if (isUniqueViolation(error) && input.clientId !== undefined && sender !== undefined) {
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
  const rows = await messagesAfter(ctx.store.db, chatId, query.after ?? 0, query.limit + 1);
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
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    const row = await messageOfApp.first(tx, { id: messageId, appId: actor.app.id });
    if (!row) throw notFound('Message not found');
    const chat = await loadChat(tx, actor.app.id, row.chatId);
    const reader = messageReader(actor, chat, input.userId);
    const result = { message: { id: row.id, chat: row.chatId, sender: row.sender }, userId: reader };
    if (reader === row.sender) return result;
    // ON CONFLICT DO NOTHING: a second read (even a concurrent one) inserts nothing and fires nothing.
    if (!(await insertRead(tx, { messageId, userId: reader, appId: actor.app.id }))) return result;
    await emit(
      {
        trigger: 'messages:read',
        chatId: row.chatId,
        data: { messageId, chatId: row.chatId, userId: reader },
      },
      chat.users,
    );
    return result;
  });
}
