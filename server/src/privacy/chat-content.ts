import type { Store } from '../store/database.ts';
import { nowSeconds } from '../util/time.ts';
import { ERASED, type Redaction, redactJson, redactText } from './redact.ts';
import {
  deliveryPage,
  eraseAttemptAnswers,
  eraseHistory,
  eraseMediaOfChat,
  eraseSurveyAnswers,
  eventPage,
  messagePage,
  setDeliveryBody,
  setEventData,
  setMessageBody,
  setTicket,
  ticketsOfChat,
} from './statements.ts';

/** Rows per transaction: each page commits on its own, so an erasure never holds the write lock long. */
export const PAGE = 200;

/**
 * Erases the text of one chat wherever it is stored (docs/privacy.md): its messages, the imported bot
 * history, its survey answers, its files' bytes, its tickets, its stored events and its webhook deliveries (with their
 * attempt logs). `redaction.senders` says whose messages lose their text: the erased end user's, or
 * everyone's (retention); the needles go from every other text of the chat. Every step pages by key
 * and is idempotent, so a job that stopped half-way simply runs the chat again.
 */
export async function eraseChatContent(store: Store, chatId: string, redaction: Redaction): Promise<void> {
  const everyone = redaction.senders === 'all';
  const erases = (sender: string) => everyone || (redaction.senders as ReadonlySet<string>).has(sender);

  for (let after = 0; ; ) {
    const rows = await messagePage(store.db, chatId, after, PAGE);
    if (rows.length === 0) break;
    await store.transaction(async (tx) => {
      for (const row of rows) {
        const body = messageBody(row, erases(row.sender), redaction);
        if (body !== row.body) await setMessageBody(tx, row.id, body);
      }
    });
    after = rows[rows.length - 1]!.seq;
  }

  await store.transaction(async (tx) => {
    // The bot conversation imported with a chat is its end user's (and a retention's) to lose.
    await eraseHistory(tx, chatId, ERASED);
    // Its survey answers are its end user's words too (a rating stays: docs/privacy.md).
    await eraseSurveyAnswers(tx, chatId, ERASED);
    const now = nowSeconds();
    if (everyone) await eraseMediaOfChat(tx, chatId, undefined, ERASED, now);
    else
      for (const sender of redaction.senders as ReadonlySet<string>)
        await eraseMediaOfChat(tx, chatId, sender, ERASED, now);
    for (const ticket of await ticketsOfChat(tx, chatId)) {
      // A ticket's subject is the end user's first line: it goes with the chat's text.
      const transcript = redactJson(ticket.transcript, redaction);
      if (ticket.subject !== ERASED || transcript !== ticket.transcript)
        await setTicket(tx, ticket.id, ERASED, transcript);
    }
  });

  for (let after = 0; ; ) {
    const rows = await eventPage(store.db, chatId, after, PAGE);
    if (rows.length === 0) break;
    await store.transaction(async (tx) => {
      for (const row of rows) {
        const data = redactJson(row.data, redaction);
        if (data !== row.data) await setEventData(tx, row.seq, data);
      }
    });
    after = rows[rows.length - 1]!.seq;
  }

  for (let after = ''; ; ) {
    const rows = await deliveryPage(store.db, chatId, after, PAGE);
    if (rows.length === 0) break;
    await store.transaction(async (tx) => {
      for (const row of rows) {
        const body = redactJson(row.body, redaction);
        if (body === row.body) continue;
        await setDeliveryBody(tx, row.id, body);
        await eraseAttemptAnswers(tx, row.id, ERASED);
      }
    });
    after = rows[rows.length - 1]!.id;
  }
}

/** A message's stored body after the erasure: a text goes, a file keeps its reference without its name. */
function messageBody(row: { type: string; body: string }, erased: boolean, redaction: Redaction): string {
  if (row.type === 'media') {
    if (!erased) return redactJson(row.body, redaction);
    try {
      const ref = JSON.parse(row.body) as Record<string, unknown>;
      return JSON.stringify({ ...ref, name: ERASED });
    } catch {
      return ERASED;
    }
  }
  if (erased && row.type !== 'system') return ERASED;
  return redactText(row.body, redaction.needles);
}
