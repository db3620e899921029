import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Db } from '../store/database.ts';
import { surveyLinkKey } from './statements.ts';

/**
 * The survey page's links (docs/surveys.md, "The hosted page"): `/survey/?t=<payload>.<mac>`, the
 * payload naming the app, survey and source, and when the link expires (the end of the answer window).
 * Signed with the store's `survey-links` key (HMAC-SHA256), so any node checks them and the page needs
 * no other credential. A link answers one survey of one chat, once.
 */
export interface SurveyLink {
  appId: string;
  surveyId: string;
  sourceType: 'chat' | 'ticket';
  sourceId: string;
  /** Unix seconds. */
  expires: number;
}

const Payload = TypeCompiler.Compile(
  Type.Object({
    a: Type.String({ maxLength: 64 }),
    s: Type.String({ maxLength: 64 }),
    t: Type.Union([Type.Literal('chat'), Type.Literal('ticket')]),
    i: Type.String({ maxLength: 64 }),
    e: Type.Integer(),
  }),
);

const mac = (key: string, payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

export async function signSurveyLink(db: Db, link: SurveyLink): Promise<string> {
  const payload = Buffer.from(
    JSON.stringify({
      a: link.appId,
      s: link.surveyId,
      t: link.sourceType,
      i: link.sourceId,
      e: link.expires,
    }),
  ).toString('base64url');
  return `${payload}.${mac(await surveyLinkKey(db), payload)}`;
}

/** The link a token stands for, or why not: `invalid` (forged or garbled), `expired`. */
export async function readSurveyLink(
  db: Db,
  token: string,
  nowSeconds: number,
): Promise<SurveyLink | 'invalid' | 'expired'> {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 2048) return 'invalid';
  const expected = Buffer.from(mac(await surveyLinkKey(db), payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  if (!Payload.Check(value)) return 'invalid';
  if (value.e <= nowSeconds) return 'expired';
  return { appId: value.a, surveyId: value.s, sourceType: value.t, sourceId: value.i, expires: value.e };
}
