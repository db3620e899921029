import {
  type Bus,
  type EventHandler,
  hearRevocation,
  type Revocation,
  type RevocationHandler,
} from '../events/bus.ts';
import type { StoredEvent } from '../events/catalog.ts';
import { newId } from '../util/ids.ts';
import type { RedisLink } from './link.ts';

/** How long a start waits for Redis before it serves without (degraded, see link.ts). */
const START_WAIT_MS = 2000;

/**
 * The cross-node bus (docs/scale-out.md): events are handed to this node's subscribers at once, and
 * published on a Redis channel for the subscribers of the other nodes that asked for remote events
 * (the realtime gateway). Pub/sub is at most once; that is enough because the store stays the source
 * of truth — the gateway reads from the store any position it did not hear about.
 */
export async function createRedisBus(
  link: RedisLink,
  channel: string,
  onError: (error: unknown) => void,
): Promise<Bus> {
  const node = newId();
  // No offline queue: while Redis is away, publishing fails fast instead of piling up in memory.
  const publisher = link.connect({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // Subscribed again at every (re)connection, here rather than by ioredis: a subscription asked for
  // while Redis was down at start would otherwise never be made.
  const subscriber = link.connect({ autoResubscribe: false, maxRetriesPerRequest: null });
  let subscribedOnce: () => void = () => {};
  const subscribed = new Promise<void>((resolve) => {
    subscribedOnce = resolve;
  });
  /** Subscriptions made after the first: each follows a time this node heard nothing (Bus.missed). */
  let resubscribed = 0;
  let subscribedBefore = false;
  subscriber.on('ready', () => {
    // A failure is an outage, which the link reports.
    subscriber.subscribe(channel).then(
      () => {
        if (subscribedBefore) resubscribed++;
        subscribedBefore = true;
        subscribedOnce();
      },
      () => undefined,
    );
  });
  const revocations = new Set<RevocationHandler>();

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
    let parsed: { node: string; events?: StoredEvent[]; revoked?: Revocation };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch (error) {
      onError(error);
      return;
    }
    if (parsed.node === node) return;
    if (parsed.revoked) hearRevocation(revocations, parsed.revoked, onError);
    for (const event of parsed.events ?? []) run(event, true);
  });

  // With Redis up, start once subscribed (the other nodes' events reach us from the first request);
  // without, start anyway after a short wait.
  await Promise.race([
    subscribed.then(() => link.ready(START_WAIT_MS)),
    new Promise((resolve) => setTimeout(resolve, START_WAIT_MS).unref()),
  ]);

  return {
    kind: 'redis',
    publish(events) {
      for (const event of events) run(event, false);
      // While Redis is away the other nodes read these from the store (their catch-up); the outage
      // is logged once by the link, not once per commit.
      if (publisher.status !== 'ready') return;
      publisher.publish(channel, JSON.stringify({ node, events })).catch((error: unknown) => {
        if (link.state() === 'ok') onError(error);
      });
    },
    revoked(notice) {
      hearRevocation(revocations, notice, onError);
      // Lost while Redis is away: the other nodes then re-check their sockets when they are back.
      if (publisher.status !== 'ready') return;
      publisher.publish(channel, JSON.stringify({ node, revoked: notice })).catch((error: unknown) => {
        if (link.state() === 'ok') onError(error);
      });
    },
    onRevoked(handler) {
      revocations.add(handler);
      return () => revocations.delete(handler);
    },
    missed: () => resubscribed,
    state: () => link.state(),
    subscribe(handler, options) {
      handlers.set(handler, { remote: options?.remote ?? false });
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
      revocations.clear();
      await Promise.allSettled([link.quit(subscriber), link.quit(publisher)]);
    },
  };
}
