import { useEffect, useState } from 'preact/hooks';

/** A tiny observable state holder: the app's model replaces `state` and the views re-render. */
export class Store<S> {
  #state: S;
  #listeners = new Set<(state: S) => void>();
  constructor(initial: S) {
    this.#state = initial;
  }
  get state(): S {
    return this.#state;
  }
  update(change: Partial<S> | ((state: S) => Partial<S>)): void {
    const patch = typeof change === 'function' ? change(this.#state) : change;
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener(this.#state);
  }
  subscribe(listener: (state: S) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export function useStore<S>(store: Store<S>): S {
  const [state, setState] = useState(store.state);
  useEffect(() => {
    setState(store.state);
    return store.subscribe(setState);
  }, [store]);
  return state;
}

/** The human sentence for a failed call (SwitchboardError or anything else). */
export function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'status' in error && (error as { status: number }).status === 0)
    return 'The server cannot be reached. Check your connection and try again.';
  if (error instanceof Error) return error.message;
  return String(error);
}
