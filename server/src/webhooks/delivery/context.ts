import type { Agent } from 'undici';
import type { Store } from '../../store/database.ts';
import type { DeliveryRow } from '../../store/schema.ts';
import type { PostResult } from '../transport.ts';
import type { Log } from '../tx.ts';

/** What the dispatcher is built from (see `dispatcher.ts` for the whole picture). */
export interface DispatcherOptions {
  store: Store;
  agent: Agent;
  /** Seconds between attempts (docs/webhooks.md). */
  schedule: readonly number[];
  timeoutMs: number;
  log: () => Log;
  nodeId: string;
  /** Lanes (chats) of one webhook attempted at once. */
  parallel?: number;
  /** How long a pump's claim on a webhook lasts unrenewed (`SWITCHBOARD_LEASE_MS`); renewed every third. */
  leaseMs?: number;
  /** How often to look for due webhooks and unread outboxes (a local event wakes it sooner). */
  pollMs?: number;
  /** A webhook without a success for this long is disabled. */
  autoDisableMs?: number;
}

export const AUTO_DISABLE_MS = 5 * 86400 * 1000;

/** The settings every part of the dispatcher reads, defaults applied. */
export interface DeliverySettings {
  schedule: readonly number[];
  timeoutMs: number;
  parallel: number;
  leaseMs: number;
  pollMs: number;
  autoDisableMs: number;
}

/**
 * The state shared by the dispatcher's parts: the store and pool, who this node is, and whether it
 * runs. Everything else is owned by one part (pumps by `pumps.ts`, the outbox cursors' work by
 * `outbox-reader.ts`, the batch of answers by `recorder.ts`).
 */
export interface DeliveryContext {
  readonly store: Store;
  readonly agent: Agent;
  readonly nodeId: string;
  readonly settings: DeliverySettings;
  readonly log: () => Log;
  /** False once `stop()` began: no new work starts. */
  running: boolean;
  /** Aborted at `stop()`: attempts out are cut short and stay pending. */
  readonly stopping: AbortController;
}

export function deliveryContext(options: DispatcherOptions): DeliveryContext {
  return {
    store: options.store,
    agent: options.agent,
    nodeId: options.nodeId,
    log: options.log,
    settings: {
      schedule: options.schedule,
      timeoutMs: options.timeoutMs,
      parallel: options.parallel ?? 16,
      leaseMs: options.leaseMs ?? 5000,
      pollMs: options.pollMs ?? 500,
      autoDisableMs: options.autoDisableMs ?? AUTO_DISABLE_MS,
    },
    running: false,
    stopping: new AbortController(),
  };
}

/** What a pump reads of a due delivery: enough to send it and to record the answer. */
export type DueDelivery = Pick<
  DeliveryRow,
  'id' | 'appId' | 'eventId' | 'lane' | 'body' | 'attempts' | 'round'
>;

/** One attempt's answer, waiting to be recorded. */
export interface Completion {
  row: DueDelivery;
  result: PostResult;
}
