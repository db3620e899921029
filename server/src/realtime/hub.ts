import type { Bus } from '../events/bus.ts';
import type { StoredEvent } from '../events/catalog.ts';
import type { Db } from '../store/database.ts';
import { appHead, appHeads, eventsBetween } from './log.ts';

/**
 * The per-app feed of a node, shared by the realtime gateway and the event stream: every committed
 * event of an app, strictly in `position` order. Events come from the bus after commit (local or, with
 * Redis, remote); one that arrives early waits for those before it, and a gap that does not fill by
 * itself (an event of another node lost on pub/sub, a publish still in flight) is read from the store.
 * So each subscriber sees its stream in order and its cursor (the last position it got) is exact.
 *
 * Who of an app's subscribers hears an event is the sink's business: the realtime gateway indexes its
 * sockets by audience key (subscriptions.ts), the event stream hands every event to every stream.
 */
export interface FeedSink<S> {
  add(subscriber: S): void;
  remove(subscriber: S): void;
  readonly size: number;
  deliver(event: StoredEvent): void;
}

export interface HubOptions<S, K extends FeedSink<S>> {
  db: () => Db;
  bus: Bus;
  /** How long a missing position may take to arrive before it is read from the store. */
  gapWaitMs: number;
  /** How often the store's heads are compared with what was delivered (a lost last message). */
  catchUpMs: number;
  /** A new app's sink. */
  sink: () => K;
  /** Prefix of error log lines ("realtime", "stream"). */
  label: string;
  onError: (error: unknown, what: string) => void;
}

export interface Hub<S, K extends FeedSink<S>> {
  /** Joins the app's feed: from now on every event above the head `start` reads reaches the sink. */
  join(appId: string, subscriber: S): void;
  /** Reads the app's head, starting the app's feed after it if it is not running yet; resolves to it. */
  start(appId: string): Promise<number>;
  leave(appId: string, subscriber: S): void;
  /** The app's sink while the app has subscribers here. */
  sinkOf(appId: string): K | undefined;
  close(): void;
}

interface AppFeed<K> {
  appId: string;
  /** The next position to deliver; undefined until a subscriber has read the head. */
  next: number | undefined;
  /** Events that arrived before their turn, by position. */
  pending: Map<number, StoredEvent>;
  sink: K;
  gapTimer: NodeJS.Timeout | undefined;
  filling: boolean;
  /** `next` at the last catch-up round that found the app behind; behind twice in a row → read it. */
  lagMark: number | undefined;
}

/** Gap fills read at most this many positions at once. */
const FILL_BATCH = 1000;

export function createHub<S, K extends FeedSink<S>>(options: HubOptions<S, K>): Hub<S, K> {
  const feeds = new Map<string, AppFeed<K>>();

  function onEvent(event: StoredEvent): void {
    const feed = feeds.get(event.appId);
    if (!feed) return;
    if (feed.next !== undefined && event.position < feed.next) return;
    feed.pending.set(event.position, event);
    drain(feed);
  }

  function drain(feed: AppFeed<K>): void {
    if (feed.next === undefined) return;
    for (;;) {
      const event = feed.pending.get(feed.next);
      if (!event) break;
      feed.pending.delete(feed.next);
      feed.next++;
      feed.sink.deliver(event);
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
  async function fill(feed: AppFeed<K>, upTo?: number): Promise<void> {
    if (feed.filling || feed.next === undefined) return;
    let to = upTo;
    for (const position of feed.pending.keys()) if (to === undefined || position - 1 < to) to = position - 1;
    if (to === undefined || to < feed.next) return;
    feed.filling = true;
    try {
      const from = feed.next;
      const events = await eventsBetween(options.db(), feed.appId, from, Math.min(to, from + FILL_BATCH - 1));
      for (const event of events) {
        if (feed.next !== undefined && event.position >= feed.next && !feed.pending.has(event.position))
          feed.pending.set(event.position, event);
      }
    } catch (error) {
      options.onError(error, `${options.label}: reading missed events failed`);
    } finally {
      feed.filling = false;
      if (feeds.get(feed.appId) === feed) drain(feed);
    }
  }

  /** Events committed but never heard of (a lost bus message) are read from the store. */
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
    catchUp().catch((error) => options.onError(error, `${options.label}: catch-up failed`));
  }, options.catchUpMs);
  catchUpTimer.unref();

  return {
    join(appId, subscriber) {
      let feed = feeds.get(appId);
      if (!feed) {
        feed = {
          appId,
          next: undefined,
          pending: new Map(),
          sink: options.sink(),
          gapTimer: undefined,
          filling: false,
          lagMark: undefined,
        };
        feeds.set(appId, feed);
      }
      feed.sink.add(subscriber);
    },
    async start(appId) {
      const head = await appHead(options.db(), appId);
      const feed = feeds.get(appId);
      if (feed && feed.next === undefined) {
        feed.next = head + 1;
        drain(feed);
      }
      return head;
    },
    leave(appId, subscriber) {
      const feed = feeds.get(appId);
      if (!feed) return;
      feed.sink.remove(subscriber);
      if (feed.sink.size === 0) {
        if (feed.gapTimer) clearTimeout(feed.gapTimer);
        feeds.delete(appId);
      }
    },
    sinkOf: (appId) => feeds.get(appId)?.sink,
    close() {
      unsubscribe();
      clearInterval(catchUpTimer);
      for (const feed of feeds.values()) if (feed.gapTimer) clearTimeout(feed.gapTimer);
      feeds.clear();
    },
  };
}

/** The sink that hands every event of the app to every subscriber (the event stream filters itself). */
export function everySubscriber<S extends { receive(event: StoredEvent): void }>(): FeedSink<S> {
  const subscribers = new Set<S>();
  return {
    add: (subscriber) => void subscribers.add(subscriber),
    remove: (subscriber) => void subscribers.delete(subscriber),
    get size() {
      return subscribers.size;
    },
    deliver(event) {
      for (const subscriber of subscribers) subscriber.receive(event);
    },
  };
}
