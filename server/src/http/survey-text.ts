/**
 * Every string of the hosted survey page (docs/surveys.md, "The hosted page"), in English, in one
 * catalog so it can be translated: the page takes its words from here and nowhere else.
 */
export const SURVEY_PAGE_TEXT = {
  lang: 'en',
  /** The form's accessible name (TEAMS §11: the widget's form is "Survey" too). */
  formName: 'Survey',
  intro: 'Tell us how your conversation went.',
  ratingName: 'Rating',
  ratingHint: '1 = very dissatisfied, 5 = very satisfied',
  requiredMark: '(required)',
  send: 'Send survey',
  thanks: 'Thank you for your feedback.',
  answered: 'This survey has been answered already. Thank you.',
  expired: 'This survey is closed: surveys are answered within 7 days of the conversation.',
  invalid: 'This survey link is not valid.',
  missing: 'This survey is no longer available.',
  stillOpen: 'This survey opens once the conversation has ended.',
  errorsTitle: 'Please check your answers:',
  requiredMissing: 'Please answer: {question}',
  badAnswer: 'This answer is not valid: {question}',
} as const;

export type SurveyPageText = typeof SURVEY_PAGE_TEXT;

/** `text` with `{name}` placeholders filled. */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
