import { type BodyOf, SwitchboardError } from '../../src/lib/sdk.ts';
import type { EventHost } from './events.ts';
import { explain } from './explain.ts';

/** The post-chat survey (docs/surveys.md): fetched when the close's survey notice arrives, sent once. */

export type SurveyAnswers = BodyOf<'/v1/surveys/{surveyId}/submit', 'post'>['answers'];

export async function offerSurvey(host: EventHost, surveyId: string, chatId: string): Promise<void> {
  const { survey } = await host.need().surveys.get(surveyId, { sourceType: 'chat', sourceId: chatId });
  if (host.state.chatId === chatId && !host.state.survey)
    host.patch({ survey: { survey, chatId, state: 'open' } });
}

export async function sendSurvey(host: EventHost, answers: SurveyAnswers): Promise<void> {
  const current = host.state.survey;
  if (current?.state !== 'open') return;
  host.patch({ survey: { ...current, state: 'sending', error: undefined } });
  try {
    await host
      .need()
      .surveys.submit(current.survey.id, { sourceType: 'chat', sourceId: current.chatId, answers });
    host.patch({ survey: { ...current, state: 'sent' } });
  } catch (error) {
    // Answered already (another tab): nothing more to ask.
    const answered = error instanceof SwitchboardError && error.status === 409;
    host.patch({
      survey: { ...current, state: answered ? 'sent' : 'open', error: answered ? undefined : explain(error) },
    });
  }
}
