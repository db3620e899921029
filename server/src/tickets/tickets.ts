import type { App } from '../apps/apps.ts';
import type { Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Tx } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';
import { notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { presentMessage } from '../wire/message.ts';
import { presentTicket, type Ticket as TicketView } from '../wire/ticket.ts';
import {
  historyTextsBy,
  insertTicket,
  messagesForTranscript,
  selectTickets,
  ticketOfApp,
} from './statements.ts';

/**
 * Creates the ticket of a closing chat inside the closing transaction (docs/routing.md) and announces it
 * with `system:info`. The subject is the first text the end user wrote, else their first line in the
 * history sent with the chat (a message left outside opening hours), else a generic line.
 */
export async function createTicketOnClose(tx: Tx, chat: ChatRow, emit: Emit): Promise<string> {
  const messages = (await messagesForTranscript(tx, chat.id)).map(presentMessage);
  // Trimmed, so padding never leaks into the subject; a blank line does not count as the first text.
  // Truncated by code points, so an emoji is never cut in half.
  const texts = messages
    .filter((m) => m.sender === chat.creator && m.type === 'text' && typeof m.message === 'string')
    .map((m) => m.message as string);
  const lines = texts.length > 0 ? texts : await historyTextsBy(tx, chat.id, chat.creator);
  const first = lines.map((text) => text.replace(/\s+/g, ' ').trim()).find((text) => text !== '');
  const subject = first !== undefined ? Array.from(first).slice(0, 120).join('') : `Chat ${chat.id}`;
  const id = newId();
  await insertTicket(tx, {
    id,
    appId: chat.appId,
    chatId: chat.id,
    subject,
    transcript: JSON.stringify(messages),
    created: nowSeconds(),
  });
  await emit({
    trigger: 'system:info',
    chatId: chat.id,
    data: { chatId: chat.id, data: { type: 'ticket', ticketId: id } },
  });
  return id;
}

export async function listTickets(
  ctx: Ctx,
  app: App,
  query: PageQuery & { externalId?: string | undefined },
): Promise<{ tickets: TicketView[]; next: string | null }> {
  const limit = limitOf(query);
  const after = decodeCursor(query.cursor);
  const rows = await selectTickets(ctx.store.db, { appId: app.id, chatId: query.externalId, after, limit });
  const { items, next } = page(rows, limit);
  return { tickets: items.map(presentTicket), next };
}

export async function getTicket(ctx: Ctx, app: App, id: string): Promise<TicketView> {
  const row = await ticketOfApp(ctx.store.db, app.id, id);
  if (!row) throw notFound('Ticket not found');
  return presentTicket(row);
}
