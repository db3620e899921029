import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { chatListScope, searchesNotes } from '../policies/chats.ts';
import { invalidField } from '../util/errors.ts';
import { decodeCursor, page } from '../util/pagination.ts';
import { type Chat as ChatView, presentChat } from '../wire/chat.ts';
import { selectChats } from './list-sql.ts';
import { searchTerms } from './search-terms.ts';
import { participantsByChat } from './statements.ts';

export interface ChatQuery {
  status?: 'waiting' | 'active' | 'closed';
  room?: number;
  userId?: string;
  tag?: string;
  agent?: string;
  rating?: number;
  from?: number;
  to?: number;
  q?: string;
  order?: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

/**
 * GET /chats (docs/search.md) — what the caller may list (chatListScope), narrowed by the filters and
 * the search words; oldest first, or newest first with `order=desc`.
 */
export async function listChats(
  ctx: Ctx,
  actor: Actor,
  query: ChatQuery,
): Promise<{ chats: ChatView[]; next: string | null }> {
  if (query.from !== undefined && query.to !== undefined && query.from > query.to)
    throw invalidField('to', 'is before from');
  const rows = await selectChats(ctx.store.db, {
    appId: actor.app.id,
    status: query.status,
    room: query.room,
    userId: query.userId,
    tag: query.tag,
    agent: query.agent,
    rating: query.rating,
    from: query.from,
    to: query.to,
    terms: query.q === undefined ? [] : searchTerms(query.q),
    notes: searchesNotes(actor),
    scope: chatListScope(actor),
    after: decodeCursor(query.cursor),
    order: query.order ?? 'asc',
    limit: query.limit,
  });
  const { items, next } = page(rows, query.limit);
  const participants = await participantsByChat(
    ctx.store.db,
    items.map((r) => r.id),
  );
  return { chats: items.map((row) => presentChat(row, participants.get(row.id) ?? [])), next };
}
