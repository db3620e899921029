import type { StoredEvent } from './catalog.ts';

export type EventHandler = (event: StoredEvent) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Also hear events committed on other nodes (Redis bus). By default a subscriber hears only the
   * events its own node committed, so work done once per event (webhooks) is not done once per node.
   */
  remote?: boolean;
}

/**
 * Fan-out of committed events to the parts of the server that react to them (realtime gateway,
 * webhook dispatcher, routing). The in-process bus serves one node; a Redis bus serves many.
 */
export interface Bus {
  readonly kind: 'memory' | 'redis';
  /** `degraded` while a Redis bus cannot reach Redis (other nodes' sockets then catch up from the store). */
  state(): 'ok' | 'degraded';
  publish(events: readonly StoredEvent[]): void;
  subscribe(handler: EventHandler, options?: SubscribeOptions): () => void;
  close(): Promise<void>;
}

export function createMemoryBus(onError: (error: unknown) => void): Bus {
  const handlers = new Set<EventHandler>();
  return {
    kind: 'memory',
    state: () => 'ok',
    publish(events) {
      for (const event of events) {
        for (const handler of handlers) {
          // A failing subscriber must not stop the others; the outbox row remains the source of truth.
          try {
            const result = handler(event);
            if (result instanceof Promise) result.catch(onError);
          } catch (error) {
            onError(error);
          }
        }
      }
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
    },
  };
}
