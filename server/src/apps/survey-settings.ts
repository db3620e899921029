import { type Static, Type } from '@sinclair/typebox';
import { int } from '../limits/ranges.ts';
import type { ErrorDetail } from '../util/errors.ts';

/**
 * Settings `surveys` and `survey` (docs/surveys.md): the post-chat surveys (CSAT) an app defines, and
 * the one sent when a chat closes. A survey's `rooms` narrows it to chats of those rooms.
 */

/** A survey's or a question's id: chosen by the app, so it can name them in its own reports. */
const SurveyKey = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

export const SurveyQuestion = Type.Object({
  id: SurveyKey,
  /** `rating`: an integer 1–5; `choice`: one of `options`; `text`: free text. */
  type: Type.Union([Type.Literal('rating'), Type.Literal('choice'), Type.Literal('text')]),
  text: Type.String({ minLength: 1, maxLength: 500 }),
  options: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 20 }),
  ),
  required: Type.Optional(Type.Boolean()),
});
export type SurveyQuestion = Static<typeof SurveyQuestion>;

export const SurveyDefinition = Type.Object({
  id: SurveyKey,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  rooms: Type.Optional(Type.Array(int('roomId'), { maxItems: 1000 })),
  questions: Type.Array(SurveyQuestion, { minItems: 1, maxItems: 50 }),
});
export type SurveyDefinition = Static<typeof SurveyDefinition>;

export const SurveysSchema = Type.Array(SurveyDefinition, { maxItems: 50 });
export const SurveyChoiceSchema = Type.Object({
  /** The survey an end user gets when a chat closes; null: none. */
  onClose: Type.Union([SurveyKey, Type.Null()]),
});

/** The rules the schema cannot say; each problem names its field, as the schema's do. */
export function surveysProblems(
  surveys: readonly SurveyDefinition[],
  onClose: string | null,
  roomIds: readonly number[],
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const known = new Set(roomIds);
  const ids = new Set<string>();
  surveys.forEach((survey, i) => {
    if (ids.has(survey.id)) problems.push({ field: `surveys.${i}.id`, message: 'duplicate survey id' });
    ids.add(survey.id);
    survey.rooms?.forEach((room, r) => {
      if (!known.has(room))
        problems.push({ field: `surveys.${i}.rooms.${r}`, message: `unknown room ${room}` });
    });
    const questionIds = new Set<string>();
    survey.questions.forEach((question, q) => {
      const field = `surveys.${i}.questions.${q}`;
      if (questionIds.has(question.id))
        problems.push({ field: `${field}.id`, message: 'duplicate question id' });
      questionIds.add(question.id);
      if (question.type === 'choice') {
        const options = question.options ?? [];
        if (options.length === 0)
          problems.push({ field: `${field}.options`, message: 'a choice needs options' });
        if (new Set(options).size !== options.length)
          problems.push({ field: `${field}.options`, message: 'duplicate option' });
      } else if (question.options !== undefined) {
        problems.push({ field: `${field}.options`, message: `a ${question.type} question takes no options` });
      }
    });
  });
  if (onClose !== null && !ids.has(onClose))
    problems.push({ field: 'survey.onClose', message: `names no survey of surveys (${onClose})` });
  return problems;
}

/** The survey sent when a chat of `room` closes, if one applies (docs/surveys.md, "On close"). */
export function surveyOnClose(
  settings: { surveys: readonly SurveyDefinition[]; survey: { onClose: string | null } },
  room: number,
): SurveyDefinition | null {
  const id = settings.survey.onClose;
  if (id === null) return null;
  const survey = settings.surveys.find((s) => s.id === id);
  if (!survey) return null;
  if (survey.rooms !== undefined && survey.rooms.length > 0 && !survey.rooms.includes(room)) return null;
  return survey;
}
