import { Type } from '@sinclair/typebox';
import { Id } from '../../wire/fields.ts';

export const tags = ['surveys'];

export const SurveyParams = Type.Object({ surveyId: Id }, { additionalProperties: false });
export const SourceType = Type.Union([Type.Literal('chat'), Type.Literal('ticket')], {
  description: 'what sourceId names: a chat, or the ticket made when it closed',
});
export const Source = { sourceType: SourceType, sourceId: Id };

/** Where the hosted survey page lives (http/survey-page.ts). */
export const SURVEY_PAGE_PATH = '/survey/';
