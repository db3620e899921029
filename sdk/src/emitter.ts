/** A tiny typed event emitter (no dependency: it must run in browsers as it is). */
export class Emitter<Events, Meta> {
  readonly #handlers = new Map<keyof Events, Set<(data: never, meta: Meta) => void>>();

  on<K extends keyof Events>(name: K, handler: (data: Events[K], meta: Meta) => void): void {
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
    }
    set.add(handler as (data: never, meta: Meta) => void);
  }

  off<K extends keyof Events>(name: K, handler: (data: Events[K], meta: Meta) => void): void {
    this.#handlers.get(name)?.delete(handler as (data: never, meta: Meta) => void);
  }

  /** Calls every handler; one that throws is reported and does not stop the others or the caller. */
  emit<K extends keyof Events>(name: K, data: Events[K], meta: Meta): void {
    const set = this.#handlers.get(name);
    if (!set) return;
    for (const handler of [...set]) {
      try {
        (handler as (data: Events[K], meta: Meta) => void)(data, meta);
      } catch (error) {
        console.error(`@switchboard/sdk: a handler of ${String(name)} threw`, error);
      }
    }
  }
}
