import { nextTurn } from '../../timers/lease.ts';
import type { Completion, DeliveryContext } from './context.ts';
import { type RecordOutcome, recordAttempts } from './record-attempts.ts';

/** Attempt results recorded in one transaction at most. */
export const FLUSH_MAX = 256;

/**
 * The attempt recorder: answers of every pump that arrive while one recording transaction runs are
 * written together by the next one, so one commit records many deliveries, however many webhooks.
 * Each caller gets its own webhook's outcome back.
 */
export interface Recorder {
  record(webhookId: string, items: Completion[]): Promise<RecordOutcome>;
  /** Resolves once everything handed in so far is written (or has failed). */
  idle(): Promise<void>;
}

interface RecordJob {
  webhookId: string;
  items: Completion[];
  resolve(outcome: RecordOutcome): void;
  reject(error: unknown): void;
}

export function createRecorder(
  ctx: DeliveryContext,
  write: typeof recordAttempts = recordAttempts,
): Recorder {
  const queue: RecordJob[] = [];
  /** Set and cleared synchronously, so a job queued as the last batch ends starts a new drain. */
  let draining = false;
  let drained: Promise<void> = Promise.resolve();

  async function drain(): Promise<void> {
    draining = true;
    try {
      // Let the answers that arrived in the same turn of the event loop join the first batch.
      await nextTurn();
      // No await between the last check of the queue and `draining = false`: a job queued by a
      // caller woken by the last batch is taken by this loop or starts the next drain.
      while (queue.length > 0) await writeBatch();
    } finally {
      draining = false;
    }
  }

  async function writeBatch(): Promise<void> {
    const jobs: RecordJob[] = [];
    let count = 0;
    while (queue.length > 0 && count < FLUSH_MAX) {
      const job = queue.shift()!;
      jobs.push(job);
      count += job.items.length;
    }
    const byHook = new Map<string, Completion[]>();
    for (const job of jobs) {
      const list = byHook.get(job.webhookId);
      if (list) list.push(...job.items);
      else byHook.set(job.webhookId, [...job.items]);
    }
    try {
      const outcomes = await write(ctx, byHook);
      for (const job of jobs) job.resolve(outcomes.get(job.webhookId)!);
    } catch (error) {
      for (const job of jobs) job.reject(error);
    }
  }

  return {
    record(webhookId, items) {
      return new Promise<RecordOutcome>((resolve, reject) => {
        queue.push({ webhookId, items, resolve, reject });
        if (!draining) drained = drain();
      });
    },
    async idle() {
      while (draining) await drained;
    },
  };
}
