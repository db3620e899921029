import type { App } from '../apps/apps.ts';
import type { ChatView } from '../chats/present.ts';
import type { AssignCandidate } from '../events/catalog.ts';

export interface AssignQuestion {
  app: App;
  chat: ChatView;
  agents: AssignCandidate[];
  attempt: number;
  maxAttempts: number;
}

/**
 * Who may name the agent at a jump (spec 8.6): the synchronous `chats:assign` webhook plugs in here.
 * It answers within its own deadline (5 s) with an agent id, or undefined for "no opinion".
 * Routing only honours an answer that is one of the eligible agents.
 */
export interface AssignAdvisor {
  choose(question: AssignQuestion): Promise<string | undefined>;
}

/** Until a webhook advisor is configured, the built-in algorithm decides alone. */
export const noAdvisor: AssignAdvisor = {
  choose: async () => undefined,
};
