/** The tables of surveys (docs/surveys.md), beside schema.ts's Database. */

/** A survey response (docs/surveys.md): one per chat. */
export interface SurveyResponsesTable {
  id: string;
  appId: string;
  surveyId: string;
  chatId: string;
  /** The end user who answered (the chat's creator). */
  userId: string;
  room: number;
  /** The agents of the chat, a JSON list of user ids. */
  agentIds: string;
  /** The answers, a JSON list of `{questionId, value}`. */
  answers: string;
  rating: number | null;
  created: number;
}

/** Keys the server signs with, shared by every node (docs/surveys.md: the survey page's links). */
export interface ServerKeysTable {
  name: string;
  secret: string;
  created: number;
}
