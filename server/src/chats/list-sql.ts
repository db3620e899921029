import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { ChatListScope } from '../policies/chats.ts';
import { type Db, onPostgres } from '../store/database.ts';
import type { ChatRow } from '../store/schema.ts';
import { ftsPhrase, type SearchTerm, tsPrefix } from './search-terms.ts';

/** GET /chats's one query (docs/search.md): filters, the caller's scope, search words, a page. */
export interface ChatFilter {
  appId: string;
  status?: ChatRow['status'] | undefined;
  room?: number | undefined;
  /** Chats this user opened or takes part in. */
  userId?: string | undefined;
  /** Chats carrying this tag (read from chat_tags). */
  tag?: string | undefined;
  /** Chats this agent ever took part in (chat_agents). */
  agent?: string | undefined;
  /** Chats whose survey rating (docs/surveys.md) is this. */
  rating?: number | undefined;
  /** Opened at or after / at or before (Unix seconds). */
  from?: number | undefined;
  to?: number | undefined;
  /** Words each found in some text message of the chat. */
  terms: SearchTerm[];
  /** Whether internal notes count for `terms`. */
  notes: boolean;
  scope: ChatListScope;
  after?: string | undefined;
  order: 'asc' | 'desc';
  limit: number;
}

/** The ids of the app's chats with a text message holding `term` (notes only when `notes`). */
function chatsMatching(db: Db, appId: string, term: SearchTerm, notes: boolean): RawBuilder<unknown> {
  const visibility = notes ? sql`` : sql`and messages.visibility = 'all'`;
  if (onPostgres(db)) {
    // The same expression and predicate as the messages_search index, so the planner uses it.
    const query = term.prefix
      ? sql`to_tsquery('simple', ${tsPrefix(term)})`
      : sql`plainto_tsquery('simple', ${term.text})`;
    return sql`select messages.chat_id from messages where messages.app_id = ${appId}
      and messages.type = 'text' ${visibility} and to_tsvector('simple', messages.body) @@ ${query}`;
  }
  return sql`select messages.chat_id from messages_fts join messages on messages.rowid = messages_fts.rowid
    where messages_fts match ${ftsPhrase(term)} and messages.app_id = ${appId} ${visibility}`;
}

export async function selectChats(db: Db, filter: ChatFilter): Promise<ChatRow[]> {
  let q = db.selectFrom('chats').selectAll().where('appId', '=', filter.appId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  if (filter.room !== undefined) q = q.where('room', '=', filter.room);
  if (filter.from !== undefined) q = q.where('created', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('created', '<=', filter.to);
  if (filter.rating !== undefined) q = q.where('rating', '=', filter.rating);
  const userId = filter.userId;
  if (userId !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('creator', '=', userId),
        eb('id', 'in', eb.selectFrom('chatUsers').select('chatId').where('userId', '=', userId)),
      ]),
    );
  }
  const { tag, agent } = filter;
  if (tag !== undefined)
    q = q.where('id', 'in', (eb) =>
      eb.selectFrom('chatTags').select('chatId').where('appId', '=', filter.appId).where('tag', '=', tag),
    );
  if (agent !== undefined)
    q = q.where('id', 'in', (eb) => eb.selectFrom('chatAgents').select('chatId').where('userId', '=', agent));
  for (const term of filter.terms)
    q = q.where(sql<SqlBool>`chats.id in (${chatsMatching(db, filter.appId, term, filter.notes)})`);
  const scope = filter.scope;
  if (scope.kind === 'user') {
    q = q.where((eb) =>
      eb.or([
        eb('creator', '=', scope.userId),
        eb('id', 'in', eb.selectFrom('chatUsers').select('chatId').where('userId', '=', scope.userId)),
      ]),
    );
  } else if (scope.kind === 'staff') {
    q = q.where((eb) =>
      eb.or([
        eb('id', 'in', eb.selectFrom('chatAgents').select('chatId').where('userId', '=', scope.userId)),
        eb('id', 'in', eb.selectFrom('chatUsers').select('chatId').where('userId', '=', scope.userId)),
        ...(scope.openRooms.length > 0
          ? [eb.and([eb('status', '<>', 'closed'), eb('room', 'in', scope.openRooms)])]
          : []),
        ...(scope.allRooms.length > 0 ? [eb('room', 'in', scope.allRooms)] : []),
      ]),
    );
  }
  if (filter.after !== undefined) q = q.where('id', filter.order === 'asc' ? '>' : '<', filter.after);
  return q
    .orderBy('id', filter.order)
    .limit(filter.limit + 1)
    .execute();
}
