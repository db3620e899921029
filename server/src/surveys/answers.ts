import type { SurveyDefinition } from '../apps/survey-settings.ts';
import { badRequest, type ErrorDetail } from '../util/errors.ts';
import type { SurveyAnswer } from '../wire/surveys.ts';

/** The longest text answer, in characters. */
export const MAX_TEXT_ANSWER = 2000;

/**
 * Checks `answers` against the survey's questions (docs/surveys.md, "Answers"): each names a question
 * once, its value fits the question's type (rating: an integer 1–5; choice: one of its options; text:
 * 1–2000 characters), every required question is answered. Returns the answers in question order and
 * the first rating answer; 400 naming each bad answer otherwise.
 */
export function checkAnswers(
  survey: SurveyDefinition,
  answers: readonly SurveyAnswer[],
): { answers: SurveyAnswer[]; rating: number | null } {
  const problems: ErrorDetail[] = [];
  const byQuestion = new Map<string, SurveyAnswer>();
  for (const [i, answer] of answers.entries()) {
    const question = survey.questions.find((q) => q.id === answer.questionId);
    const field = `answers.${i}`;
    if (!question) {
      problems.push({ field: `${field}.questionId`, message: 'names no question of this survey' });
      continue;
    }
    if (byQuestion.has(answer.questionId)) {
      problems.push({ field: `${field}.questionId`, message: 'answers a question twice' });
      continue;
    }
    const value = answer.value;
    if (
      question.type === 'rating' &&
      !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 5)
    )
      problems.push({ field: `${field}.value`, message: 'a rating is an integer from 1 to 5' });
    if (
      question.type === 'choice' &&
      !(typeof value === 'string' && (question.options ?? []).includes(value))
    )
      problems.push({ field: `${field}.value`, message: 'must be one of the question’s options' });
    if (question.type === 'text') {
      if (typeof value !== 'string') problems.push({ field: `${field}.value`, message: 'must be a string' });
      else if (value.trim() === '' || value.length > MAX_TEXT_ANSWER)
        problems.push({ field: `${field}.value`, message: `must hold 1–${MAX_TEXT_ANSWER} characters` });
    }
    byQuestion.set(answer.questionId, answer);
  }
  for (const question of survey.questions)
    if (question.required && !byQuestion.has(question.id))
      problems.push({ field: 'answers', message: `question ${question.id} is required` });
  if (problems.length > 0)
    throw badRequest(
      `Invalid answers: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      problems,
    );
  const ordered = survey.questions.flatMap((q) => {
    const answer = byQuestion.get(q.id);
    return answer
      ? [{ questionId: q.id, value: q.type === 'text' ? String(answer.value).trim() : answer.value }]
      : [];
  });
  const firstRating = survey.questions.find((q) => q.type === 'rating' && byQuestion.has(q.id));
  return { answers: ordered, rating: firstRating ? (byQuestion.get(firstRating.id)!.value as number) : null };
}
