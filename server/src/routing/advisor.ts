import type { App } from '../apps/apps.ts';
import type { AssignCandidate } from '../events/catalog.ts';
import { newId } from '../util/ids.ts';
import type { Chat as ChatView } from '../wire/chat.ts';

export interface AssignQuestion {
  app: App;
  chat: ChatView;
  agents: AssignCandidate[];
  attempt: number;
  maxAttempts: number;
  /** The jump's question id (`webhook-id`, stream frame `id`), the same for every advisor asked. */
  id?: string;
  /** Aborted once the jump has its answer: advisors still waiting may stop. */
  signal?: AbortSignal;
}

/**
 * Who may name the agent at a jump (docs/webhooks.md): the synchronous `chats:assign` webhook plugs in here.
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

/**
 * Several advisors asked at once with one question id (webhooks and event streams): the first valid
 * answer wins, whoever gives it; with no valid answer from anyone, undefined once all have answered.
 * Each advisor keeps its own deadline (5 s), so this never waits longer than the slowest of them.
 */
export function firstValidAdvice(advisors: readonly AssignAdvisor[]): AssignAdvisor {
  return {
    choose(question) {
      const decided = new AbortController();
      const asked = { ...question, id: question.id ?? newId(), signal: decided.signal };
      return new Promise((resolve) => {
        const settle = (answer: string | undefined) => {
          decided.abort();
          resolve(answer);
        };
        let left = advisors.length;
        if (left === 0) settle(undefined);
        for (const advisor of advisors) {
          advisor
            .choose(asked)
            .catch(() => undefined)
            .then((answer) => {
              left--;
              if (answer !== undefined) settle(answer);
              else if (left === 0) settle(undefined);
            });
        }
      });
    },
  };
}
