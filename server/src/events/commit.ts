import type { Bus } from '../bus/bus.ts';
import type { Store, Tx } from '../store/database.ts';
import type { NewEvent, StoredEvent, Trigger } from './catalog.ts';
import { appendEvent } from './outbox.ts';

export type Emit = <T extends Trigger>(event: NewEvent<T>) => Promise<StoredEvent<T>>;

/**
 * The one road every change takes: run `work` in a transaction that also records the events it emits,
 * commit, and only then publish those events. Nothing is published for a change that rolled back.
 */
export async function commitChange<T>(
  deps: { store: Store; bus: Bus },
  appId: string,
  work: (tx: Tx, emit: Emit) => Promise<T>,
): Promise<T> {
  const emitted: StoredEvent[] = [];
  const result = await deps.store.transaction(async (tx) => {
    emitted.length = 0; // a retried transaction starts over
    const emit: Emit = async (event) => {
      const stored = await appendEvent(tx, appId, event);
      emitted.push(stored as StoredEvent);
      return stored;
    };
    return work(tx, emit);
  });
  if (emitted.length > 0) deps.bus.publish(emitted);
  return result;
}
