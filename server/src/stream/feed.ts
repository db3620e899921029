import type { Bus } from '../events/bus.ts';
import type { StoredEvent } from '../events/catalog.ts';
import { appHead, appHeads, eventsBetween } from '../realtime/log.ts';
import type { Db } from '../store/database.ts';

/**
 * Every event of an app, in `position` order, for the streams of this node: events come from the bus
 * after commit (local or, with Redis, remote); one that arrives early waits for those before it, and a
 * gap that does not fill by itself (a lost pub/sub message, a publish still in flight) is read from the
 * store. The same scheme as the realtime gateway's feed (realtime/gateway.ts), without audiences.
 */
export interface FeedSubscriber {
  receive(event: StoredEvent): void;
}

export interface Feeds {
  /**
   * Joins the app's feed. Resolves to the app's head read after joining: every event above it reaches
   * `subscriber.receive`, in order; what is at or below it is in the store.
   */
  join(appId: string, subscriber: FeedSubscriber): Promise<number>;
  leave(appId: string, subscriber: FeedSubscriber): void;
  close(): void;
}

interface AppFeed {
  appId: string;
  /** The next position to deliver; undefined until a subscriber has read the head. */
  next: number | undefined;
  pending: Map<number, StoredEvent>;
  subscribers: Set<FeedSubscriber>;
  gapTimer: NodeJS.Timeout | undefined;
  filling: boolean;
  lagMark: number | undefined;
}

export interface FeedOptions {
  db: () => Db;
  bus: Bus;
  /** How long a missing position may take to arrive before it is read from the store. */
  gapWaitMs: number;
  /** How often the store's heads are compared with what was delivered. */
  catchUpMs: number;
  onError: (error: unknown, what: string) => void;
}

export function createFeeds(options: FeedOptions): Feeds {
  const feeds = new Map<string, AppFeed>();

  function onEvent(event: StoredEvent): void {
    const feed = feeds.get(event.appId);
    if (!feed) return;
    if (feed.next !== undefined && event.position < feed.next) return;
    feed.pending.set(event.position, event);
    drain(feed);
  }

  function drain(feed: AppFeed): void {
    if (feed.next === undefined) return;
    for (;;) {
      const event = feed.pending.get(feed.next);
      if (!event) break;
      feed.pending.delete(feed.next);
      feed.next++;
      for (const subscriber of feed.subscribers) subscriber.receive(event);
    }
    for (const position of feed.pending.keys()) if (position < feed.next) feed.pending.delete(position);
    if (feed.pending.size > 0 && !feed.gapTimer && !feed.filling) {
      feed.gapTimer = setTimeout(() => {
        feed.gapTimer = undefined;
        void fill(feed);
      }, options.gapWaitMs);
    }
  }

  /** Reads missing positions from the store: up to the first pending event, or up to `upTo`. */
  async function fill(feed: AppFeed, upTo?: number): Promise<void> {
    if (feed.filling || feed.next === undefined) return;
    let to = upTo;
    for (const position of feed.pending.keys()) if (to === undefined || position - 1 < to) to = position - 1;
    if (to === undefined || to < feed.next) return;
    feed.filling = true;
    try {
      const from = feed.next;
      for (const event of await eventsBetween(options.db(), feed.appId, from, Math.min(to, from + 999))) {
        if (feed.next !== undefined && event.position >= feed.next && !feed.pending.has(event.position))
          feed.pending.set(event.position, event);
      }
    } catch (error) {
      options.onError(error, 'stream: reading missed events failed');
    } finally {
      feed.filling = false;
      if (feeds.get(feed.appId) === feed) drain(feed);
    }
  }

  /** Events committed but never heard of (the last bus message lost) are read from the store. */
  async function catchUp(): Promise<void> {
    const live = [...feeds.values()].filter((f) => f.next !== undefined);
    if (live.length === 0) return;
    const heads = await appHeads(
      options.db(),
      live.map((f) => f.appId),
    );
    for (const feed of live) {
      const head = heads.get(feed.appId);
      if (head === undefined || feed.next === undefined || head < feed.next) {
        feed.lagMark = undefined;
        continue;
      }
      // Behind for a whole period (not just a publish in flight): read what is missing.
      if (feed.lagMark === feed.next) void fill(feed, head);
      else feed.lagMark = feed.next;
    }
  }

  const unsubscribe = options.bus.subscribe(onEvent, { remote: true });
  const catchUpTimer = setInterval(() => {
    catchUp().catch((error) => options.onError(error, 'stream: catch-up failed'));
  }, options.catchUpMs);
  catchUpTimer.unref();

  return {
    async join(appId, subscriber) {
      let feed = feeds.get(appId);
      if (!feed) {
        feed = {
          appId,
          next: undefined,
          pending: new Map(),
          subscribers: new Set(),
          gapTimer: undefined,
          filling: false,
          lagMark: undefined,
        };
        feeds.set(appId, feed);
      }
      feed.subscribers.add(subscriber);
      const head = await appHead(options.db(), appId);
      if (feed.next === undefined && feeds.get(appId) === feed) {
        feed.next = head + 1;
        drain(feed);
      }
      return head;
    },
    leave(appId, subscriber) {
      const feed = feeds.get(appId);
      if (!feed) return;
      feed.subscribers.delete(subscriber);
      if (feed.subscribers.size === 0) {
        if (feed.gapTimer) clearTimeout(feed.gapTimer);
        feeds.delete(appId);
      }
    },
    close() {
      unsubscribe();
      clearInterval(catchUpTimer);
      for (const feed of feeds.values()) if (feed.gapTimer) clearTimeout(feed.gapTimer);
      feeds.clear();
    },
  };
}
