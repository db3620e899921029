import { type Static, Type } from '@sinclair/typebox';
import { SurveyQuestion } from '../apps/survey-settings.ts';
import { decodeStrings, jsonColumn } from '../store/json.ts';
import type { SurveyResponseRow } from '../store/schema.ts';

/** One answer: a rating's integer 1–5, a choice's option, or a text (docs/surveys.md). */
export const SurveyAnswer = Type.Object(
  {
    questionId: Type.String({ minLength: 1, maxLength: 64 }),
    value: Type.Union([Type.Integer(), Type.String({ maxLength: 2000 })]),
  },
  { additionalProperties: false },
);
export type SurveyAnswer = Static<typeof SurveyAnswer>;

/** A survey as an end user gets it: its questions and the page (`url`) that asks them. */
export const SurveyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String({
    description: 'the hosted survey page, absolute; its link expires with the answer window',
  }),
  questions: Type.Array(SurveyQuestion),
});
export type SurveyView = Static<typeof SurveyView>;

/** A survey response (one per chat). */
export const SurveyResponse = Type.Object({
  id: Type.String(),
  surveyId: Type.String(),
  chatId: Type.String(),
  userId: Type.String(),
  room: Type.Integer(),
  agentIds: Type.Array(Type.String()),
  answers: Type.Array(SurveyAnswer),
  rating: Type.Union([Type.Integer(), Type.Null()]),
  created: Type.Integer(),
});
export type SurveyResponse = Static<typeof SurveyResponse>;

export const decodeAnswers = jsonColumn('survey answers', Type.Array(SurveyAnswer));

export function presentSurveyResponse(row: SurveyResponseRow): SurveyResponse {
  return {
    id: row.id,
    surveyId: row.surveyId,
    chatId: row.chatId,
    userId: row.userId,
    room: row.room,
    agentIds: decodeStrings(row.agentIds),
    answers: decodeAnswers(row.answers),
    rating: row.rating,
    created: row.created,
  };
}
