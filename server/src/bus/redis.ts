import { Redis } from 'ioredis';
import type { Bus, EventHandler } from '../events/bus.ts';
import type { StoredEvent } from '../events/catalog.ts';
import { newId } from '../util/ids.ts';

/**
 * The cross-node bus (spec section 10): events are handed to this node's subscribers at once, and
 * published on a Redis channel for the subscribers of the other nodes that asked for remote events
 * (the realtime gateway). Pub/sub is at most once; that is enough because the store stays the source
 * of truth — the gateway reads from the store any position it did not hear about.
 */
export async function createRedisBus(
  url: string,
  channel: string,
  onError: (error: unknown) => void,
): Promise<Bus> {
  const node = newId();
  // No offline queue: while Redis is away, publishing fails fast instead of piling up in memory.
  const publisher = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(url, { lazyConnect: true });
  publisher.on('error', onError);
  subscriber.on('error', onError);
  await publisher.connect();
  await subscriber.connect();
  await subscriber.subscribe(channel);

  const handlers = new Map<EventHandler, { remote: boolean }>();
  const run = (event: StoredEvent, remoteOnly: boolean) => {
    for (const [handler, options] of handlers) {
      if (remoteOnly && !options.remote) continue;
      try {
        const result = handler(event);
        if (result instanceof Promise) result.catch(onError);
      } catch (error) {
        onError(error);
      }
    }
  };

  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    let parsed: { node: string; events: StoredEvent[] };
    try {
      parsed = JSON.parse(message) as { node: string; events: StoredEvent[] };
    } catch (error) {
      onError(error);
      return;
    }
    if (parsed.node === node) return;
    for (const event of parsed.events) run(event, true);
  });

  return {
    kind: 'redis',
    publish(events) {
      for (const event of events) run(event, false);
      publisher.publish(channel, JSON.stringify({ node, events })).catch(onError);
    },
    subscribe(handler, options) {
      handlers.set(handler, { remote: options?.remote ?? false });
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    },
  };
}
