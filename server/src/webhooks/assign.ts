import type { Agent } from 'undici';
import type { AssignAdvisor, AssignQuestion } from '../routing/advisor.ts';
import type { Store } from '../store/database.ts';
import type { WebhookRow } from '../store/schema.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { signingSecrets, subscribes } from './registry.ts';
import { signDelivery } from './signing.ts';
import { type PostResult, postOnce } from './transport.ts';
import type { Log } from './tx.ts';

/**
 * The synchronous `chats:assign` webhook (docs/webhooks.md), in routing's advisor seam. At every jump
 * each active `chats:assign` webhook is called in parallel with the envelope, headers and signatures
 * of any delivery; the first valid answer in registration order names the agent. Each call is logged
 * as a delivery with one attempt and is never retried.
 */
export const ASSIGN_DEADLINE_MS = 5000;
export const ASSIGN_CONNECT_MS = 1000;
/** After this many failed calls in a row a webhook is skipped for `skipMs`. */
export const ASSIGN_FAILURES_TO_SKIP = 5;

export interface AssignCaller extends AssignAdvisor {
  /** How long a webhook that failed its last five calls is skipped (30 s; tests shorten it). */
  skipMs: number;
}

/** The agent id an answer names: `{agentId}`, `{agent: {id}}` or `{id}`. */
export function answeredAgent(response: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(response);
  } catch {
    return undefined;
  }
  return agentOf(body);
}

/** The agent id an answer's JSON value names (the same forms, for answers over the event stream). */
export function agentOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const answer = body as { agentId?: unknown; agent?: unknown; id?: unknown };
  if (typeof answer.agentId === 'string') return answer.agentId;
  if (answer.agent !== null && typeof answer.agent === 'object') {
    const id = (answer.agent as { id?: unknown }).id;
    if (typeof id === 'string') return id;
  }
  if (typeof answer.id === 'string') return answer.id;
  return undefined;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** One `chats:assign` call, as its log records it (plain data: it may cross to the worker thread). */
export interface AssignCall {
  hook: Pick<WebhookRow, 'id' | 'appId'>;
  eventId: string;
  chatId: string;
  body: string;
  result: PostResult;
  note: string | null;
}

/** Logs one call as a delivery with its single attempt, and keeps the failure streak. */
export async function recordAssignCall(store: Store, call: AssignCall): Promise<void> {
  const { hook, eventId, chatId, body, result, note } = call;
  const ok = result.status !== null && result.status >= 200 && result.status <= 299;
  // A call failed when no 2xx came, or its body was not JSON at all; `{}` is a valid "no opinion".
  const failed = !ok || (result.response.trim() !== '' && !isJson(result.response));
  const error =
    result.error ??
    (ok ? note : `answered ${result.status}${result.status! < 400 ? ': redirects are not followed' : ''}`);
  const now = nowSeconds();
  const deliveryId = newId();
  await store.transaction(async (tx) => {
    await tx
      .insertInto('webhookDeliveries')
      .values({
        id: deliveryId,
        appId: hook.appId,
        webhookId: hook.id,
        eventId,
        position: null,
        trigger: 'chats:assign',
        chatId,
        lane: chatId,
        body,
        status: ok ? 'delivered' : 'failed',
        attempts: 1,
        round: 1,
        nextAttempt: null,
        lastStatus: result.status,
        lastError: error,
        created: now,
        updated: now,
        delivered: ok ? now : null,
      })
      .execute();
    await tx
      .insertInto('webhookAttempts')
      .values({
        id: newId(),
        deliveryId,
        webhookId: hook.id,
        appId: hook.appId,
        created: now,
        status: result.status,
        duration: result.duration,
        response: result.response,
        error,
      })
      .execute();
    await tx
      .updateTable('webhooks')
      .set(
        failed
          ? (eb) => ({ assignFailures: eb('assignFailures', '+', 1), assignFailedAt: Date.now() })
          : { assignFailures: 0, assignFailedAt: null },
      )
      .where('id', '=', hook.id)
      .execute();
  });
}

export function createAssignCaller(deps: {
  store: Store;
  agent: Agent;
  log: () => Log;
  /** Where the calls are logged: here by default; the embedded worker thread owns the log there. */
  record?: (call: AssignCall) => Promise<void>;
}): AssignCaller {
  const { store, agent } = deps;
  const record = deps.record ?? ((call: AssignCall) => recordAssignCall(store, call));

  const caller: AssignCaller = {
    skipMs: 30_000,
    async choose(question: AssignQuestion): Promise<string | undefined> {
      const now = Date.now();
      const hooks = (
        await store.db
          .selectFrom('webhooks')
          .selectAll()
          .where('appId', '=', question.app.id)
          .where('active', '=', 1)
          .orderBy('created')
          .orderBy('id')
          .execute()
      ).filter(
        (h) =>
          subscribes(h, 'chats:assign') &&
          !(
            h.assignFailures >= ASSIGN_FAILURES_TO_SKIP &&
            h.assignFailedAt !== null &&
            now - Number(h.assignFailedAt) < caller.skipMs
          ),
      );
      if (hooks.length === 0) return undefined;

      const eventId = question.id ?? newId();
      const text = JSON.stringify({
        trigger: 'chats:assign',
        appId: question.app.id,
        data: {
          chat: question.chat,
          agents: question.agents,
          attempt: question.attempt,
          maxAttempts: question.maxAttempts,
        },
        created_at: nowSeconds(),
      });
      const body = Buffer.from(text, 'utf8');
      const eligible = new Set(question.agents.map((a) => a.id));
      const timestamp = nowSeconds();

      const calls = hooks.map(async (hook) => {
        const headers = signDelivery(signingSecrets(hook), eventId, timestamp, body);
        const result = await postOnce(agent, hook.target, body, headers, ASSIGN_DEADLINE_MS);
        const ok = result.status !== null && result.status >= 200 && result.status <= 299;
        const named = ok ? answeredAgent(result.response) : undefined;
        const valid = named !== undefined && eligible.has(named);
        const note =
          named === undefined
            ? ok && result.response.trim() !== ''
              ? 'the answer named no agent'
              : null
            : valid
              ? null
              : `agent ${named} is not one of the eligible agents`;
        record({
          hook: { id: hook.id, appId: hook.appId },
          eventId,
          chatId: question.chat.id,
          body: text,
          result,
          note,
        }).catch((error: unknown) =>
          deps.log().error({ err: error, webhookId: hook.id }, 'logging a chats:assign call failed'),
        );
        return valid ? named : undefined;
      });

      // The first valid answer in registration order; the hard deadline bounds the wait for all of them.
      const outOfTime = new Promise<undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), ASSIGN_DEADLINE_MS + 100);
        timer.unref();
      });
      const inOrder = (async () => {
        for (const call of calls) {
          const answer = await call;
          if (answer !== undefined) return answer;
        }
        return undefined;
      })();
      return Promise.race([inOrder, outOfTime]);
    },
  };
  return caller;
}
