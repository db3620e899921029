import type { Store } from '../store/database.ts';
import { decodeStrings } from '../store/json.ts';
import { csvField } from '../util/csv.ts';
import { catchUp } from './project.ts';
import type { Range } from './range.ts';
import { reportDb } from './tables.ts';

/** One chat of the export (docs/reports.md, "Export"). Seconds; null where it did not happen. */
export interface ExportedChat {
  id: string;
  room: number;
  created: number;
  closed: number | null;
  creator: string;
  agents: string[];
  tags: string[];
  wait: number | null;
  firstResponse: number | null;
  duration: number | null;
  messages: number;
  rating: number | null;
  ticket: string | null;
}

/** Chats read per statement: the export never holds more than one page. */
export const EXPORT_PAGE = 500;

export const EXPORT_COLUMNS = [
  'id',
  'room',
  'created',
  'closed',
  'creator',
  'agents',
  'tags',
  'wait',
  'firstResponse',
  'duration',
  'messages',
  'rating',
  'ticket',
] as const;

/** The chats created in [from, to), oldest first, one page of the store at a time. */
export async function* exportedChats(
  store: Store,
  appId: string,
  range: Range,
): AsyncGenerator<ExportedChat> {
  await catchUp(store, appId);
  const db = reportDb(store.db);
  let after: { created: number; id: string } | undefined;
  for (;;) {
    let q = db
      .selectFrom('reportChats as r')
      .innerJoin('chats as c', 'c.id', 'r.chatId')
      .select([
        'r.chatId',
        'r.room',
        'r.created',
        'r.closed',
        'r.creator',
        'r.firstJoin',
        'r.firstResponse',
        'r.messages',
        'r.rating',
        'c.tags',
        'c.ticketId',
      ])
      .where('r.appId', '=', appId)
      .where('r.created', '>=', range.from)
      .where('r.created', '<', range.to);
    if (after) {
      const { created, id } = after;
      q = q.where((eb) =>
        eb.or([
          eb('r.created', '>', created),
          eb.and([eb('r.created', '=', created), eb('r.chatId', '>', id)]),
        ]),
      );
    }
    const rows = await q.orderBy('r.created').orderBy('r.chatId').limit(EXPORT_PAGE).execute();
    if (rows.length === 0) return;
    const agents = new Map<string, string[]>();
    const joins = await db
      .selectFrom('reportChatAgents')
      .select(['chatId', 'agentId'])
      .where(
        'chatId',
        'in',
        rows.map((row) => row.chatId),
      )
      .orderBy('joined')
      .orderBy('agentId')
      .execute();
    for (const join of joins) agents.set(join.chatId, [...(agents.get(join.chatId) ?? []), join.agentId]);
    for (const row of rows) {
      const created = Number(row.created);
      const closed = row.closed === null ? null : Number(row.closed);
      yield {
        id: row.chatId,
        room: Number(row.room),
        created,
        closed,
        creator: row.creator,
        agents: agents.get(row.chatId) ?? [],
        tags: decodeStrings(row.tags),
        wait: row.firstJoin === null ? null : Number(row.firstJoin) - created,
        firstResponse: row.firstResponse === null ? null : Number(row.firstResponse) - created,
        duration: closed === null ? null : closed - created,
        messages: Number(row.messages),
        rating: row.rating === null ? null : Number(row.rating),
        ticket: row.ticketId,
      };
    }
    const last = rows[rows.length - 1]!;
    after = { created: Number(last.created), id: last.chatId };
    if (rows.length < EXPORT_PAGE) return;
  }
}

/** The export as CSV text, a header line and then a line per chat (lists joined with `;`). */
export async function* exportCsv(chats: AsyncIterable<ExportedChat>): AsyncGenerator<string> {
  yield `${EXPORT_COLUMNS.join(',')}\r\n`;
  for await (const chat of chats) {
    const fields = EXPORT_COLUMNS.map((column) => {
      const value = chat[column];
      if (value === null) return '';
      if (Array.isArray(value)) return csvField(value.join(';'));
      return typeof value === 'number' ? String(value) : csvField(value);
    });
    yield `${fields.join(',')}\r\n`;
  }
}

/** The export as JSON text, `{"chats": […]}`, written a chat at a time. */
export async function* exportJson(chats: AsyncIterable<ExportedChat>): AsyncGenerator<string> {
  yield '{"chats":[';
  let first = true;
  for await (const chat of chats) {
    yield `${first ? '' : ','}${JSON.stringify(chat)}`;
    first = false;
  }
  yield ']}';
}
