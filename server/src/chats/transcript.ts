import { Readable } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { mayReadNotes } from '../policies/messages.ts';
import type { Db } from '../store/database.ts';
import { csvField } from '../util/csv.ts';
import { presentMessage } from '../wire/message.ts';
import { chatFor } from './access.ts';
import { historyPage, messagesPage } from './statements.ts';

/**
 * The transcript download (`GET /chats/{id}/history`), streamed: a long chat is read page by page
 * (keyset on position and seq, `TRANSCRIPT_PAGE` rows a statement), each page written before the next
 * is read, and the next read only once the client has taken the last (the stream's backpressure).
 * So a 50 MB transcript costs the server one page of memory, and other apps' requests run between
 * its pages; each page waits for the app's share of the node's transfer rate (docs/limits.md, "Fair share").
 */
export const TRANSCRIPT_PAGE = 500;

export interface TranscriptLine {
  sender: string;
  message: string;
  created: number;
  type: string;
  /** Only on an internal note (`agents`), which only a reader of notes gets. */
  visibility?: 'agents';
}

/** What may be exported, checked before the first byte: the chat (visible to the actor) and whether notes go in. */
export interface Transcript {
  db: Db;
  chatId: string;
  notes: boolean;
  /** Waits for the app's share of the node's transfer rate before each page is written. */
  pace: (bytes: number) => Promise<void>;
}

/** GET /chats/{id}/history — checks the actor may see the chat; the lines are read as they are sent. */
export async function exportHistory(ctx: Ctx, actor: Actor, chatId: string): Promise<Transcript> {
  const chat = await chatFor(ctx, actor, chatId, 'view');
  const pace = (bytes: number) => ctx.rates.pace(actor.app.id, bytes);
  return { db: ctx.store.db, chatId: chat.row.id, notes: mayReadNotes(actor), pace };
}

/** The whole conversation, one page at a time: imported bot lines, then the chat's messages. */
export async function* transcriptPages(
  t: Transcript,
  limit = TRANSCRIPT_PAGE,
): AsyncGenerator<TranscriptLine[]> {
  let afterPosition = -1;
  for (;;) {
    const rows = await historyPage(t.db, t.chatId, { afterPosition, limit });
    if (rows.length === 0) break;
    yield rows.map((h) => ({
      sender: h.sender,
      message: h.message,
      created: h.created,
      type: h.type ?? 'text',
    }));
    afterPosition = rows[rows.length - 1]!.position;
    if (rows.length < limit) break;
    await yieldToLoop();
  }
  let afterSeq = -1;
  for (;;) {
    const rows = await messagesPage(t.db, t.chatId, { notes: t.notes, afterSeq, limit });
    if (rows.length === 0) break;
    yield rows.map(presentMessage).map((m) => ({
      sender: m.sender,
      message: typeof m.message === 'string' ? m.message : JSON.stringify(m.message),
      created: m.created,
      type: m.type,
      ...(m.visibility === 'agents' ? { visibility: m.visibility } : {}),
    }));
    afterSeq = rows[rows.length - 1]!.seq;
    if (rows.length < limit) break;
    await yieldToLoop();
  }
}

/** `{"history":[…]}`, written a page at a time. */
export function historyJson(t: Transcript): Readable {
  return Readable.from(
    (async function* () {
      yield '{"history":[';
      let first = true;
      for await (const lines of transcriptPages(t)) {
        const text = lines.map((line) => JSON.stringify(line)).join(',');
        await t.pace(text.length);
        yield first ? text : `,${text}`;
        first = false;
      }
      yield ']}';
    })(),
    { objectMode: false },
  );
}

/**
 * The CSV download, written a page at a time: a file that leaves the server and gets forwarded, so it
 * never holds an internal note, whoever downloads it (the JSON export marks them for readers of notes).
 */
export function historyCsv(t: Transcript): Readable {
  return Readable.from(
    (async function* () {
      yield 'created,sender,type,message\r\n';
      for await (const lines of transcriptPages({ ...t, notes: false })) {
        if (lines.length === 0) continue;
        const text = `${lines.map((l) => [l.created, l.sender, l.type, l.message].map(csvField).join(',')).join('\r\n')}\r\n`;
        await t.pace(text.length);
        yield text;
      }
    })(),
    { objectMode: false },
  );
}
