import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { type App, findApp } from '../apps/apps.ts';
import type { SurveyDefinition } from '../apps/survey-settings.ts';
import type { Ctx } from '../events/context.ts';
import { readSurveyLink, type SurveyLink } from '../surveys/links.ts';
import { submitSurvey, surveyState } from '../surveys/surveys.ts';
import { isDomainError } from '../util/errors.ts';
import { nowSeconds } from '../util/time.ts';
import type { SurveyAnswer } from '../wire/surveys.ts';
import { contentSecurityPolicy, setPageHeaders } from './page-headers.ts';
import { ANSWERED_SCRIPT, answerErrors, type Draft, formPage, noticePage } from './survey-html.ts';
import { SURVEY_PAGE_TEXT as TEXT } from './survey-text.ts';
import type { Http } from './types.ts';

/**
 * The hosted survey page (docs/surveys.md, "The hosted page"): `GET /survey/?t=<link>` shows the
 * form, `POST /survey/` (a plain form post: no script needed) records the answers through the same
 * command as `POST /v1/surveys/{id}/submit` and thanks, telling the embedding window. The signed link
 * is the only credential. Framed by the app's `domains` (any site when it lists none); every other page
 * keeps `frame-ancestors 'none'`.
 */

const SCRIPT_HASH = `'sha256-${createHash('sha256').update(ANSWERED_SCRIPT, 'utf8').digest('base64')}'`;
/** A CSP host-source: what an app's `domains` entry may be written into the policy as. */
const HOST_SOURCE = /^(https?:\/\/)?(\*\.)?[a-z0-9.-]+(:\d{1,5})?\/?$/i;

function frameAncestors(app: App | undefined): string[] {
  const sources = (app?.domains ?? []).map((d) => d.trim()).filter((d) => HOST_SOURCE.test(d));
  return sources.length === 0 ? ['*'] : ["'self'", ...sources.map((d) => d.replace(/\/$/, ''))];
}

function send(reply: FastifyReply, status: number, html: string, app?: App): FastifyReply {
  const csp = contentSecurityPolicy({
    scriptHashes: [SCRIPT_HASH],
    inlineStyles: true,
    frameAncestors: frameAncestors(app),
  });
  setPageHeaders(reply, csp, true);
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

interface Opened {
  link: SurveyLink;
  app: App;
  survey: SurveyDefinition;
}

/** The link's app and survey, or the page that says why there is no form. */
async function open(ctx: Ctx, token: unknown, reply: FastifyReply): Promise<Opened | FastifyReply> {
  const link =
    typeof token === 'string' ? await readSurveyLink(ctx.store.db, token, nowSeconds()) : 'invalid';
  if (link === 'invalid') return send(reply, 404, noticePage(TEXT.formName, TEXT.invalid));
  if (link === 'expired') return send(reply, 410, noticePage(TEXT.formName, TEXT.expired));
  const app = await findApp(ctx.store.db, link.appId);
  const survey = app?.settings.surveys.find((s) => s.id === link.surveyId);
  if (!app || !survey) return send(reply, 404, noticePage(TEXT.formName, TEXT.missing), app);
  return { link, app, survey };
}

/** The form's fields as answers: `q.<questionId>` each, ratings as integers, blanks left out. */
function answersOf(survey: SurveyDefinition, draft: Draft): SurveyAnswer[] {
  return survey.questions.flatMap((q) => {
    const raw = draft[`q.${q.id}`];
    if (raw === undefined || raw.trim() === '') return [];
    const value = q.type === 'rating' && /^\d$/.test(raw) ? Number(raw) : raw;
    return [{ questionId: q.id, value }];
  });
}

export async function installSurveyPage(http: Http, ctx: Ctx): Promise<void> {
  await http.register(async (scope) => {
    // The form posts url-encoded fields; only this page reads them (the API takes JSON alone).
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );

    scope.get('/survey', { schema: { hide: true } }, async (request, reply) => {
      const token = (request.query as Record<string, unknown>).t;
      const opened = await open(ctx, token, reply);
      if (!('survey' in opened)) return opened;
      const { link, app, survey } = opened;
      const state = await surveyState(ctx, app, link);
      if (state !== 'ready')
        return send(reply, stateStatus[state], noticePage(survey.name, stateText[state]), app);
      return send(reply, 200, formPage(survey, String(token)), app);
    });

    scope.post('/survey', { schema: { hide: true } }, async (request, reply) => {
      const draft = (request.body ?? {}) as Draft;
      const opened = await open(ctx, draft.t, reply);
      if (!('survey' in opened)) return opened;
      const { link, app, survey } = opened;
      const answers = answersOf(survey, draft);
      try {
        await submitSurvey(ctx, { app, user: null }, survey.id, link, answers);
        return send(reply, 201, noticePage(survey.name, TEXT.thanks, true), app);
      } catch (error) {
        if (isDomainError(error, 'invalid')) {
          const errors = answerErrors(
            survey,
            error.details ?? [],
            answers.map((a) => a.questionId),
          );
          return send(reply, 400, formPage(survey, String(draft.t), draft, errors), app);
        }
        if (!isDomainError(error, 'conflict') && !isDomainError(error, 'not-found')) throw error;
        const state = await surveyState(ctx, app, link);
        const shown = state === 'ready' ? 'answered' : state;
        return send(reply, stateStatus[shown], noticePage(survey.name, stateText[shown]), app);
      }
    });
  });
}

const stateText = {
  answered: TEXT.answered,
  open: TEXT.stillOpen,
  expired: TEXT.expired,
  missing: TEXT.missing,
} as const;
const stateStatus = { answered: 409, open: 409, expired: 410, missing: 404 } as const;
