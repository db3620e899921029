import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { isParticipant, type LoadedChat, mayOnChat, requireOpen } from '../policies/chats.ts';
import { isUniqueViolation, type Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { ChatRow, MessageRow } from '../store/schema.ts';
import { badRequest, forbidden, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { chatFor, loadChat, participantsOf } from './access.ts';
import { type MediaRef, type MessageView, presentMessage } from './present.ts';

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

const bumpSeq = prepare<{ id: string; now: number }, { lastSeq: number }>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', 1), lastActivity: arg('now') }))
    .where('id', '=', arg('id'))
    .returning('lastSeq'),
);

// The send path's first statement: finds the chat, takes its row lock (PostgreSQL) and hands out the
// next seq at once. A send that then fails a check rolls it back with the rest.
const bumpSeqOfAppChat = prepare<{ id: string; appId: string; now: number }, ChatRow>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb('lastSeq', '+', 1), lastActivity: arg('now') }))
    .where('id', '=', arg('id'))
    .where('appId', '=', arg('appId'))
    .returningAll(),
);

const insertMessage = prepare<MessageRow, unknown>((db, arg) =>
  db.insertInto('messages').values({
    id: arg('id'),
    appId: arg('appId'),
    chatId: arg('chatId'),
    sender: arg('sender'),
    type: arg('type'),
    body: arg('body'),
    seq: arg('seq'),
    clientId: arg('clientId'),
    eventId: arg('eventId'),
    created: arg('created'),
  }),
);

const messageByClientId = prepare<{ chatId: string; sender: string; clientId: string }, MessageRow>(
  (db, arg) =>
    db
      .selectFrom('messages')
      .selectAll()
      .where('chatId', '=', arg('chatId'))
      .where('sender', '=', arg('sender'))
      .where('clientId', '=', arg('clientId')),
);

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

/** Who sends, and as what type: the checks of spec 3.6 against the chat as read in the transaction. */
function senderOf(
  actor: Actor,
  chat: LoadedChat,
  input: SendInput,
): { sender: string; type: MessageRow['type'] } {
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
  if (!mayOnChat(actor, chat, 'participate')) throw forbidden('You may not do this in this chat');
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
  return { sender, type: input.type ?? (sender === 'system' ? 'system' : 'text') };
}

/**
 * POST /chats/{id}/messages — idempotent by (sender, clientId): a repeat returns the first message.
 * All of it runs in one transaction that starts by taking the chat's next seq (see bumpSeqOfAppChat):
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
        sender = senderOf(actor, current, input).sender;
        const existing = await findByClientId(tx, chatId, sender, input.clientId);
        if (existing) return existing;
      }
      const row = await bumpSeqOfAppChat.first(tx, { id: chatId, appId, now: nowSeconds() });
      if (!row) throw notFound('Chat not found');
      const chat: LoadedChat = { row, users: await participantsOf(tx, chatId) };
      const checked = senderOf(actor, chat, input);
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
