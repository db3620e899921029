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
 * Sessions of a user ended (docs/security.md, "Sessions"): every node re-checks the tokens of that
 * user's open sockets and closes those that no longer open the app. Not an event: nothing is stored,
 * and a node that may have missed one re-checks all its sockets at its next heartbeat.
 */
export interface Revocation {
  appId: string;
  userId: string;
}

export type RevocationHandler = (notice: Revocation) => void;

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
  /** Tells every node, this one first, that sessions of a user ended (after their commit). */
  revoked(notice: Revocation): void;
  /** Hears the revocations of every node. */
  onRevoked(handler: RevocationHandler): () => void;
  /**
   * Grows each time this node may have missed other nodes' messages (its Redis subscription was
   * lost and made again); always 0 in memory. A change tells the gateway to re-check its sockets.
   */
  missed(): number;
  close(): Promise<void>;
}

export function createMemoryBus(onError: (error: unknown) => void): Bus {
  const handlers = new Set<EventHandler>();
  const revocations = new Set<RevocationHandler>();
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
    revoked(notice) {
      hearRevocation(revocations, notice, onError);
    },
    onRevoked(handler) {
      revocations.add(handler);
      return () => revocations.delete(handler);
    },
    missed: () => 0,
    async close() {
      handlers.clear();
      revocations.clear();
    },
  };
}

/** Runs every revocation handler; one failing does not stop the others. */
export function hearRevocation(
  handlers: Iterable<RevocationHandler>,
  notice: Revocation,
  onError: (error: unknown) => void,
): void {
  for (const handler of handlers) {
    try {
      handler(notice);
    } catch (error) {
      onError(error);
    }
  }
}
