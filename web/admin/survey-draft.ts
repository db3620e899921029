import type { Settings, SurveyDefinition } from '../src/lib/sdk.ts';

/** The Surveys tab's editable form of `settings.surveys` (docs/surveys.md): lists as comma-separated text. */
export interface QuestionDraft {
  id: string;
  type: 'rating' | 'choice' | 'text';
  text: string;
  options: string;
  required: boolean;
}
export interface SurveyDraft {
  id: string;
  name: string;
  rooms: string;
  questions: QuestionDraft[];
}

const list = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

export function toSurveyDrafts(settings: Settings): SurveyDraft[] {
  return settings.surveys.map((s) => ({
    id: s.id,
    name: s.name,
    rooms: (s.rooms ?? []).join(', '),
    questions: s.questions.map((q) => ({
      id: q.id,
      type: q.type,
      text: q.text,
      options: (q.options ?? []).join(', '),
      required: q.required === true,
    })),
  }));
}

/** The drafts as settings; the server checks the rest (ids, options, rooms) and names what is wrong. */
export function toSurveys(drafts: SurveyDraft[]): SurveyDefinition[] {
  return drafts.map((d) => {
    const rooms = list(d.rooms).map(Number);
    return {
      id: d.id.trim(),
      name: d.name.trim(),
      ...(rooms.length > 0 ? { rooms } : {}),
      questions: d.questions.map((q) => ({
        id: q.id.trim(),
        type: q.type,
        text: q.text.trim(),
        ...(q.type === 'choice' ? { options: list(q.options) } : {}),
        ...(q.required ? { required: true } : {}),
      })),
    };
  });
}

export const newQuestion = (n: number): QuestionDraft => ({
  id: `q${n}`,
  type: n === 1 ? 'rating' : 'text',
  text: n === 1 ? 'How satisfied are you with this chat?' : '',
  options: '',
  required: n === 1,
});

export const newSurvey = (n: number): SurveyDraft => ({
  id: `survey${n}`,
  name: 'Customer satisfaction',
  rooms: '',
  questions: [newQuestion(1)],
});
