import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Visibility } from '../events/notes.ts';
import type { Actor } from '../policies/actor.ts';
import { type LoadedChat, requireOpen } from '../policies/chats.ts';
import {
  claimedSender,
  mayReadNotes,
  messageReader,
  messageSender,
  requireVisibleMessage,
} from '../policies/messages.ts';
import { isUniqueViolation, onPostgres, type Tx } from '../store/database.ts';
import type { MessageRow } from '../store/schema.ts';
import { notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { type MediaRef, type Message as MessageView, presentMessage } from '../wire/message.ts';
import { chatFor, loadChat, loadedChat, takeSeqOfChat } from './access.ts';
import { bumpSeqInsertingMessage } from './send-sql.ts';
import {
  bumpSeq,
  insertMessage,
  insertRead,
  messageByClientId,
  messageOfApp,
  messagesAfter,
} from './statements.ts';
import { hearersOf, watchersIfAny } from './watchers.ts';

export const MAX_MESSAGE_LENGTH = 65536;

export interface SendInput {
  sender?: string;
  message: string;
  type?: 'text' | 'object' | 'system';
  clientId?: string;
  /** `agents`: an internal note (policies/messages.ts says who may write one). */
  visibility?: Visibility;
}

type NewMessage = {
  sender: string;
  type: MessageRow['type'];
  body: string | MediaRef;
  clientId?: string | undefined;
  visibility?: Visibility | undefined;
};

/** The message's row but for what the chat gives it (app, chat, seq). */
type DraftRow = Omit<MessageRow, 'appId' | 'chatId' | 'seq'>;

function draftRow(message: NewMessage): DraftRow {
  return {
    id: newId(),
    sender: message.sender,
    type: message.type,
    body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
    clientId: message.clientId ?? null,
    eventId: newId(),
    created: nowSeconds(),
    visibility: message.visibility ?? 'all',
  };
}

/** Emits `messages:new` for the written `row`. */
async function emitMessage(
  emit: Emit,
  row: MessageRow,
  participants?: readonly string[],
): Promise<{ message: MessageView; eventId: string }> {
  const view = presentMessage(row);
  await emit(
    { id: row.eventId, trigger: 'messages:new', chatId: row.chatId, data: { message: view } },
    participants,
  );
  return { message: view, eventId: row.eventId };
}

/** Writes the message with its `seq` (already taken from the chat) and emits `messages:new`. */
async function writeMessage(
  tx: Tx,
  emit: Emit,
  chat: { id: string; appId: string },
  seq: number,
  message: NewMessage,
): Promise<{ message: MessageView; eventId: string }> {
  const row: MessageRow = { ...draftRow(message), appId: chat.appId, chatId: chat.id, seq };
  await insertMessage.run(tx, row);
  return emitMessage(emit, row);
}

/**
 * The send's first step: the chat's next seq (its row lock), its participants, and on PostgreSQL the
 * message row in the same statement (`inserted`), one round trip. The caller checks the sender next;
 * a refused send rolls the row back with the transaction.
 */
async function takeSeqWriting(
  tx: Tx,
  appId: string,
  chatId: string,
  draft: DraftRow,
): Promise<{ chat: LoadedChat; inserted: boolean } | undefined> {
  if (onPostgres(tx)) {
    const found = await bumpSeqInsertingMessage(tx, { id: chatId, appId, now: draft.created }, draft);
    if (found) return { chat: loadedChat(found), inserted: true };
  }
  const chat = await takeSeqOfChat(tx, appId, chatId, draft.created);
  return chat && { chat, inserted: false };
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
        const watching = input.visibility === 'agents' ? await watchersIfAny(tx, current) : [];
        sender = messageSender(actor, current, input, watching).sender;
        const existing = await findByClientId(tx, chatId, sender, input.clientId);
        if (existing) return existing;
      }
      const claimed = claimedSender(actor, input);
      const draft = draftRow({
        ...claimed,
        body: input.message,
        clientId: input.clientId,
        visibility: input.visibility,
      });
      const taken = await takeSeqWriting(tx, appId, chatId, draft);
      if (!taken) throw notFound('Chat not found');
      const { chat, inserted } = taken;
      // The checks, on the chat as locked; the draft was written as what they allow (claimedSender).
      const watching = input.visibility === 'agents' ? await watchersIfAny(tx, chat) : [];
      sender = messageSender(actor, chat, input, watching).sender;
      requireOpen(chat);
      const row: MessageRow = { ...draft, appId: chat.row.appId, chatId: chat.row.id, seq: chat.row.lastSeq };
      if (!inserted) await insertMessage.run(tx, row);
      return emitMessage(emit, row, await hearersOf(tx, chat));
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
  const rows = await messagesAfter(ctx.store.db, chatId, query.after ?? 0, query.limit + 1, {
    notes: mayReadNotes(actor),
  });
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
    requireVisibleMessage(actor, row);
    const result = { message: { id: row.id, chat: row.chatId, sender: row.sender }, userId: reader };
    if (reader === row.sender) return result;
    // ON CONFLICT DO NOTHING: a second read (even a concurrent one) inserts nothing and fires nothing.
    if (!(await insertRead(tx, { messageId, userId: reader, appId: actor.app.id }))) return result;
    await emit(
      {
        trigger: 'messages:read',
        chatId: row.chatId,
        data: { messageId, chatId: row.chatId, userId: reader },
        // A receipt about a note reaches only who may see the note (events/audience.ts).
        visibility: row.visibility,
      },
      await hearersOf(tx, chat),
    );
    return result;
  });
}
