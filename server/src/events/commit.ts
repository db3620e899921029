import { observeOutboxLag } from '../meters/meters.ts';
import type { Store, Tx } from '../store/database.ts';
import type { Bus } from './bus.ts';
import type { NewEvent, StoredEvent, Trigger } from './catalog.ts';
import { appendEvents, appendUnpositioned, type PendingEvent, pendingEvent } from './outbox.ts';
import { sequencerOf } from './sequencer.ts';

/**
 * Records an event in the change's transaction (written, in emit order, when the change's work is
 * done). `participants`: the chat's participants, when the caller has read them in this transaction
 * (saves reading them again for the realtime audience).
 */
export type Emit = <T extends Trigger>(event: NewEvent<T>, participants?: readonly string[]) => Promise<void>;

const afterCommitCallbacks = new WeakMap<Tx, Array<() => void>>();

/** Runs `callback` once the transaction `tx` (of commitChange) has committed; never if it rolls back. */
export function afterCommit(tx: Tx, callback: () => void): void {
  const callbacks = afterCommitCallbacks.get(tx);
  if (!callbacks) throw new Error('afterCommit outside commitChange');
  callbacks.push(callback);
}

/**
 * The one road every change takes: run `work` in a transaction that also records the events it emits,
 * commit, and only then publish those events. Nothing is published for a change that rolled back.
 * SQLite: positioned in the transaction, published here. PostgreSQL: positioned and published after
 * COMMIT by the sequencer (sequencer.ts); this waits (bounded) until they are, so a client that reads
 * the log right after the response finds its own events, as on SQLite.
 */
export async function commitChange<T>(
  deps: { store: Store; bus: Bus },
  appId: string,
  work: (tx: Tx, emit: Emit) => Promise<T>,
): Promise<T> {
  let emitted: StoredEvent[] = [];
  let unpositioned: string[] = [];
  let callbacks: Array<() => void> = [];
  const result = await withRetry(() =>
    deps.store.transaction(async (tx) => {
      // A retried transaction starts over.
      const pending: PendingEvent[] = [];
      callbacks = [];
      afterCommitCallbacks.set(tx, callbacks);
      const emit: Emit = async (event, participants) => {
        pending.push(await pendingEvent(tx, event as NewEvent, participants));
      };
      const done = await work(tx, emit);
      if (deps.store.dialect === 'postgres') {
        await appendUnpositioned(tx, appId, pending);
        unpositioned = pending.map((event) => event.id);
      } else {
        emitted = await appendEvents(tx, appId, pending);
      }
      return done;
    }),
  );
  if (emitted.length > 0) deps.bus.publish(emitted);
  if (unpositioned.length > 0) {
    const sequencer = sequencerOf(deps.store);
    if (sequencer) {
      const committedAt = performance.now();
      await sequencer.positioned(unpositioned, committedAt);
      observeOutboxLag('published', committedAt);
    }
  }
  for (const callback of callbacks) callback();
  return result;
}

/**
 * PostgreSQL may abort one of two transactions that wait on each other (deadlock) or conflict; the
 * work is all inside the transaction, so running it again is safe and is what the client wanted.
 */
export async function withRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
