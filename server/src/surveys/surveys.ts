import type { App } from '../apps/apps.ts';
import type { SurveyDefinition } from '../apps/survey-settings.ts';
import { chatFor, lockedChatFor } from '../chats/access.ts';
import { chatOfApp } from '../chats/statements.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { responseRooms } from '../policies/surveys.ts';
import { isUniqueViolation } from '../store/database.ts';
import type { SurveyResponseRow } from '../store/schema.ts';
import { ticketOfApp } from '../tickets/statements.ts';
import { conflict, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { presentSurveyResponse, type SurveyAnswer, type SurveyResponse } from '../wire/surveys.ts';
import { checkAnswers } from './answers.ts';
import { type SurveyLink, signSurveyLink } from './links.ts';
import {
  agentsOfChat,
  insertResponse,
  responseOfChat,
  selectResponses,
  setChatRating,
} from './statements.ts';

/** The survey commands (docs/surveys.md). */

/** A survey is answered within this many seconds of the chat's close: 7 days. */
export const ANSWER_WINDOW = 7 * 24 * 3600;

export type SourceType = 'chat' | 'ticket';
export interface Source {
  sourceType: SourceType;
  sourceId: string;
}

export function surveyOf(app: App, surveyId: string): SurveyDefinition {
  const survey = app.settings.surveys.find((s) => s.id === surveyId);
  if (!survey) throw notFound('Survey not found');
  return survey;
}

/** The chat a survey's source names: the chat itself, or the chat a ticket was made from. */
async function chatIdOf(ctx: Ctx, app: App, source: Source): Promise<string> {
  if (source.sourceType === 'chat') return source.sourceId;
  const ticket = await ticketOfApp(ctx.store.db, app.id, source.sourceId);
  if (!ticket) throw notFound('Ticket not found');
  return ticket.chatId;
}

/**
 * GET /surveys/{surveyId}: the survey and a signed link to its page, for the chat's end user (or the
 * app). The link expires with the answer window: 7 days after the close (for a chat still open, 7
 * days from now; it is answered only once closed).
 */
export async function surveyForTaker(
  ctx: Ctx,
  actor: Actor,
  surveyId: string,
  source: Source,
): Promise<{ survey: SurveyDefinition; token: string }> {
  const survey = surveyOf(actor.app, surveyId);
  const chat = await chatFor(ctx, actor, await chatIdOf(ctx, actor.app, source), 'creator');
  const link: SurveyLink = {
    appId: actor.app.id,
    surveyId,
    ...source,
    expires: (chat.row.closed ?? nowSeconds()) + ANSWER_WINDOW,
  };
  return { survey, token: await signSurveyLink(ctx.store.db, link) };
}

/**
 * POST /surveys/{surveyId}/submit (and the hosted page): records the chat's one response, sets the
 * chat's `rating`, emits `surveys:response`. 409 while the chat is open, after a response, and once
 * the answer window has passed; 400 for answers that do not fit the questions.
 */
export async function submitSurvey(
  ctx: Ctx,
  actor: Actor,
  surveyId: string,
  source: Source,
  input: readonly SurveyAnswer[],
): Promise<SurveyResponse> {
  const survey = surveyOf(actor.app, surveyId);
  const chatId = await chatIdOf(ctx, actor.app, source);
  // Answers are checked before anything is locked (they depend on the settings alone).
  const { answers, rating } = checkAnswers(survey, input);
  try {
    return await commitChange(ctx, actor.app.id, async (tx, emit) => {
      const chat = await lockedChatFor(tx, actor, chatId, 'creator');
      const now = nowSeconds();
      if (chat.row.closed === null || chat.row.status !== 'closed')
        throw conflict('The chat is still open: its survey is answered once it closes');
      if (await responseOfChat(tx, actor.app.id, chatId))
        throw conflict('This chat’s survey is answered already');
      if (now > chat.row.closed + ANSWER_WINDOW)
        throw conflict('The survey’s answer window (7 days after the close) has passed');
      const row: SurveyResponseRow = {
        id: newId(),
        appId: actor.app.id,
        surveyId,
        chatId,
        userId: chat.row.creator,
        room: chat.row.room,
        agentIds: JSON.stringify(await agentsOfChat(tx, chatId)),
        answers: JSON.stringify(answers),
        rating,
        created: now,
      };
      await insertResponse(tx, row);
      if (rating !== null) await setChatRating(tx, chatId, rating);
      await emit({
        trigger: 'surveys:response',
        chatId,
        data: { surveyId, chatId, userId: row.userId, rating, created: now },
      });
      return presentSurveyResponse(row);
    });
  } catch (error) {
    // Two answers at once on two nodes: the unique index keeps one.
    if (isUniqueViolation(error)) throw conflict('This chat’s survey is answered already');
    throw error;
  }
}

export interface ResponsesQuery {
  from?: number | undefined;
  to?: number | undefined;
  room?: number | undefined;
  agent?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** GET /surveys/{surveyId}/responses: newest first; a supervisor sees its rooms' only. */
export async function listResponses(
  ctx: Ctx,
  actor: Actor,
  surveyId: string,
  query: ResponsesQuery,
): Promise<{ responses: SurveyResponse[]; next: string | null }> {
  const rooms = responseRooms(actor, query.room);
  const rows = await selectResponses(ctx.store.db, {
    appId: actor.app.id,
    surveyId,
    from: query.from,
    to: query.to,
    room: query.room,
    rooms,
    agent: query.agent,
    before: decodeCursor(query.cursor),
    limit: query.limit,
  });
  const { items, next } = page(rows, query.limit);
  return { responses: items.map(presentSurveyResponse), next };
}

/** Where a survey stands for its chat, as the hosted page tells it (no error: every state is a page). */
export type SurveyState = 'ready' | 'answered' | 'open' | 'expired' | 'missing';

export async function surveyState(ctx: Ctx, app: App, source: Source): Promise<SurveyState> {
  const chatId = await chatIdOf(ctx, app, source).catch(() => undefined);
  if (chatId === undefined) return 'missing';
  const chat = await chatOfApp.first(ctx.store.db, { id: chatId, appId: app.id });
  if (!chat) return 'missing';
  if (await responseOfChat(ctx.store.db, app.id, chatId)) return 'answered';
  if (chat.closed === null) return 'open';
  return nowSeconds() > chat.closed + ANSWER_WINDOW ? 'expired' : 'ready';
}
