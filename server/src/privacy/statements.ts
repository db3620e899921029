import type { Db, Tx } from '../store/database.ts';
import type { MessageRow } from '../store/schema.ts';
import { decodeAnswers } from '../wire/surveys.ts';

/** The statements of erasure, export and retention (docs/privacy.md): pages by key, never whole tables. */

type Q = Db | Tx;

/** An end user's chats (it is the creator of every chat it takes part in), after `after`, by id. */
export async function chatsCreatedBy(
  db: Q,
  appId: string,
  userId: string,
  after: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .selectFrom('chats')
    .select('id')
    .where('appId', '=', appId)
    .where('creator', '=', userId)
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function messagePage(
  db: Q,
  chatId: string,
  afterSeq: number,
  limit: number,
): Promise<Pick<MessageRow, 'id' | 'sender' | 'type' | 'body' | 'seq'>[]> {
  return db
    .selectFrom('messages')
    .select(['id', 'sender', 'type', 'body', 'seq'])
    .where('chatId', '=', chatId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function setMessageBody(tx: Tx, id: string, body: string): Promise<void> {
  await tx.updateTable('messages').set({ body }).where('id', '=', id).execute();
}

export async function eraseHistory(tx: Tx, chatId: string, text: string): Promise<void> {
  await tx.updateTable('historyEntries').set({ message: text }).where('chatId', '=', chatId).execute();
}

/** Empties the bytes of a chat's files (of `sender`, or everyone's) not erased yet; their rows stay. */
export async function eraseMediaOfChat(
  tx: Tx,
  chatId: string,
  sender: string | undefined,
  name: string,
  now: number,
): Promise<number> {
  let query = tx.selectFrom('media').select('id').where('chatId', '=', chatId).where('erased', 'is', null);
  if (sender !== undefined) query = query.where('sender', '=', sender);
  const ids = (await query.execute()).map((r) => r.id);
  if (ids.length === 0) return 0;
  // The bytes live in media_chunks (streamed uploads) or, for files stored before them, in the row.
  await tx.deleteFrom('mediaChunks').where('mediaId', 'in', ids).execute();
  await tx
    .updateTable('media')
    .set({ bytes: new Uint8Array(0), name, erased: now })
    .where('id', 'in', ids)
    .execute();
  return ids.length;
}

/** Files of closed chats created before `before` whose bytes are still there (retention's mediaDays). */
export async function oldMediaIds(db: Q, appId: string, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('media')
    .innerJoin('chats', 'chats.id', 'media.chatId')
    .select('media.id')
    .where('media.appId', '=', appId)
    .where('media.erased', 'is', null)
    .where('media.created', '<', before)
    .where('chats.status', '=', 'closed')
    .orderBy('media.id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function eraseMediaBytes(tx: Tx, ids: string[], now: number): Promise<void> {
  if (ids.length === 0) return;
  await tx.deleteFrom('mediaChunks').where('mediaId', 'in', ids).execute();
  await tx
    .updateTable('media')
    .set({ bytes: new Uint8Array(0), erased: now })
    .where('id', 'in', ids)
    .where('erased', 'is', null)
    .execute();
}

export async function ticketsOfChat(
  db: Q,
  chatId: string,
): Promise<{ id: string; subject: string; transcript: string }[]> {
  return db
    .selectFrom('tickets')
    .select(['id', 'subject', 'transcript'])
    .where('chatId', '=', chatId)
    .execute();
}

export async function setTicket(tx: Tx, id: string, subject: string, transcript: string): Promise<void> {
  await tx.updateTable('tickets').set({ subject, transcript }).where('id', '=', id).execute();
}

export async function eventPage(
  db: Q,
  chatId: string,
  afterSeq: number,
  limit: number,
): Promise<{ seq: number; data: string }[]> {
  return db
    .selectFrom('events')
    .select(['seq', 'data'])
    .where('chatId', '=', chatId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

export async function setEventData(tx: Tx, seq: number, data: string): Promise<void> {
  await tx.updateTable('events').set({ data }).where('seq', '=', seq).execute();
}

/** A chat's webhook deliveries (its ordering lane), by id. */
export async function deliveryPage(
  db: Q,
  chatId: string,
  after: string,
  limit: number,
): Promise<{ id: string; body: string }[]> {
  return db
    .selectFrom('webhookDeliveries')
    .select(['id', 'body'])
    .where('lane', '=', chatId)
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The body sent on every later attempt (a retry of a pending delivery sends what is stored). */
export async function setDeliveryBody(tx: Tx, id: string, body: string): Promise<void> {
  await tx.updateTable('webhookDeliveries').set({ body }).where('id', '=', id).execute();
}

/** A receiver's answers may echo what it was sent: the attempt log keeps their status and times only. */
export async function eraseAttemptAnswers(tx: Tx, deliveryId: string, text: string): Promise<void> {
  await tx
    .updateTable('webhookAttempts')
    .set({ response: text })
    .where('deliveryId', '=', deliveryId)
    .where('response', '<>', '')
    .execute();
}

/** Closed chats of an app closed before `before` whose text the retention job has not erased yet. */
export async function oldClosedChats(db: Q, appId: string, before: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('chats')
    .select('id')
    .where('appId', '=', appId)
    .where('status', '=', 'closed')
    .where('closed', '<', before)
    .where('erased', 'is', null)
    .orderBy('closed')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

export async function markChatErased(tx: Tx, chatId: string, now: number): Promise<void> {
  await tx.updateTable('chats').set({ erased: now }).where('id', '=', chatId).execute();
}

/** Records how far an erasure job got (its durable timer's payload), leaving its due time and claim. */
export async function saveJobProgress(db: Q, kind: string, ref: string, payload: string): Promise<void> {
  await db.updateTable('timers').set({ payload }).where('kind', '=', kind).where('ref', '=', ref).execute();
}

/**
 * A chat's survey answers without their words: a text or a choice becomes `text`, a rating stays (the
 * chat's `rating` and the reports stay true).
 */
export async function eraseSurveyAnswers(tx: Tx, chatId: string, text: string): Promise<void> {
  const rows = await tx
    .selectFrom('surveyResponses')
    .select(['id', 'answers'])
    .where('chatId', '=', chatId)
    .execute();
  for (const row of rows) {
    const answers = decodeAnswers(row.answers).map((a) =>
      typeof a.value === 'string' ? { ...a, value: text } : a,
    );
    const json = JSON.stringify(answers);
    if (json !== row.answers)
      await tx.updateTable('surveyResponses').set({ answers: json }).where('id', '=', row.id).execute();
  }
}
