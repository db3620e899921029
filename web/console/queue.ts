import { type Client, SwitchboardError } from '../src/lib/sdk.ts';
import type { Store } from '../src/lib/store.ts';
import { loadQueue, queueNames } from './loaders.ts';
import type { ConsoleState } from './state.ts';

/** Events that trigger a refresh within this many ms are served by one read of the queue. */
const COALESCE_MS = 300;

/** The queue of the agent's rooms with the visitors' names, re-read when events say it changed. */
export class QueueWatcher {
  readonly #client: Client;
  readonly #store: Store<ConsoleState>;
  readonly #onUnauthorized: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiting: Array<() => void> = [];

  constructor(client: Client, store: Store<ConsoleState>, onUnauthorized: () => void) {
    this.#client = client;
    this.#store = store;
    this.#onUnauthorized = onUnauthorized;
  }

  /** Resolves once a read that started after this call has landed in the store. */
  refresh(now = false): Promise<void> {
    clearTimeout(this.#timer);
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#timer = setTimeout(() => void this.#read(), now ? 0 : COALESCE_MS);
    });
  }

  stop(): void {
    clearTimeout(this.#timer);
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  async #read(): Promise<void> {
    const waiting = this.#waiting.splice(0);
    try {
      const { agent } = this.#store.state;
      const queue = await loadQueue(this.#client, agent.role === 'admin' ? (agent.rooms ?? []) : undefined);
      this.#store.update({ queue });
      const found = await queueNames(this.#client, queue, this.#store.state.names);
      if (Object.keys(found).length > 0) this.#store.update((s) => ({ names: { ...s.names, ...found } }));
    } catch (error) {
      if (error instanceof SwitchboardError && error.status === 401) this.#onUnauthorized();
    }
    for (const resolve of waiting) resolve();
  }
}
