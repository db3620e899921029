import { sql } from 'kysely';
import type { Db, Tx } from '../store/database.ts';
import type { SurveyResponseRow } from '../store/schema.ts';

/** The statements of surveys (docs/surveys.md). */

/** The key the survey page's links are signed with (made by migration 021). */
export async function surveyLinkKey(db: Db | Tx): Promise<string> {
  const row = await db
    .selectFrom('serverKeys')
    .select('secret')
    .where('name', '=', 'survey-links')
    .executeTakeFirstOrThrow();
  return row.secret;
}

export async function responseOfChat(
  db: Db | Tx,
  appId: string,
  chatId: string,
): Promise<SurveyResponseRow | undefined> {
  return db
    .selectFrom('surveyResponses')
    .selectAll()
    .where('appId', '=', appId)
    .where('chatId', '=', chatId)
    .executeTakeFirst();
}

export async function insertResponse(tx: Tx, row: SurveyResponseRow): Promise<void> {
  await tx.insertInto('surveyResponses').values(row).execute();
}

export async function setChatRating(tx: Tx, chatId: string, rating: number): Promise<void> {
  await tx.updateTable('chats').set({ rating }).where('id', '=', chatId).execute();
}

/** The agents of a chat: every agent that ever joined it (chat_agents, kept after it leaves). */
export async function agentsOfChat(tx: Tx, chatId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('chatAgents')
    .select('userId')
    .where('chatId', '=', chatId)
    .orderBy('userId')
    .execute();
  return rows.map((r) => r.userId);
}

export interface ResponseFilter {
  appId: string;
  surveyId: string;
  from?: number | undefined;
  to?: number | undefined;
  room?: number | undefined;
  /** Only these rooms (a supervisor's); undefined: every room. */
  rooms?: readonly number[] | undefined;
  agent?: string | undefined;
  /** The last id of the previous page (newest first). */
  before?: string | undefined;
  limit: number;
}

/** Newest first, one more than `limit` (page() tells the next cursor from it). */
export async function selectResponses(db: Db, filter: ResponseFilter): Promise<SurveyResponseRow[]> {
  let query = db
    .selectFrom('surveyResponses')
    .selectAll()
    .where('appId', '=', filter.appId)
    .where('surveyId', '=', filter.surveyId);
  if (filter.from !== undefined) query = query.where('created', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('created', '<=', filter.to);
  if (filter.room !== undefined) query = query.where('room', '=', filter.room);
  if (filter.rooms !== undefined) {
    if (filter.rooms.length === 0) return [];
    query = query.where('room', 'in', [...filter.rooms]);
  }
  // The quoted id appears in the JSON list exactly when listed (`_`, a LIKE wildcard, escaped).
  if (filter.agent !== undefined) {
    const pattern = `%"${filter.agent.replaceAll('_', '\\_')}"%`;
    query = query.where(sql<boolean>`agent_ids like ${pattern} escape '\\'`);
  }
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  return query
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
}
