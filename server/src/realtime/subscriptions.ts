import { roomKey, userKey } from '../events/audience.ts';
import type { StoredEvent } from '../events/catalog.ts';
import { decodeRooms } from '../store/json.ts';
import type { UserRow } from '../store/schema.ts';
import type { FeedSink } from './hub.ts';

/** What a realtime socket hears: the audience keys it subscribes to. */
export interface Subscriber {
  keys: readonly string[];
  receive(event: StoredEvent): void;
}

/** Every key an app server hears: every event but `chats:assign`. */
export const EVERYTHING = '*';

/** The keys of a credential: a user hears its own key, an agent also its rooms; the app server `*`. */
export function keysOf(user: UserRow | null): string[] {
  if (user === null) return [EVERYTHING];
  const keys = [userKey(user.id)];
  if (user.role === 'agent') for (const room of decodeRooms(user.rooms)) keys.push(roomKey(room));
  return keys;
}

export interface Subscriptions<S extends Subscriber> extends FeedSink<S> {
  /** Re-indexes a subscriber whose keys changed (an agent's rooms). */
  rekey(subscriber: S, keys: readonly string[]): void;
}

/**
 * An app's sockets indexed by audience key, so an event reaches only its audience (each event carries
 * its keys, decided in its transaction: events/audience.ts) without a look at every socket of the app.
 */
export function subscriptions<S extends Subscriber>(): Subscriptions<S> {
  const members = new Set<S>();
  const byKey = new Map<string, Set<S>>();

  function index(subscriber: S): void {
    for (const key of subscriber.keys) {
      let set = byKey.get(key);
      if (!set) {
        set = new Set();
        byKey.set(key, set);
      }
      set.add(subscriber);
    }
  }

  function unindex(subscriber: S): void {
    for (const key of subscriber.keys) {
      const set = byKey.get(key);
      set?.delete(subscriber);
      if (set?.size === 0) byKey.delete(key);
    }
  }

  return {
    add(subscriber) {
      members.add(subscriber);
      index(subscriber);
    },
    remove(subscriber) {
      unindex(subscriber);
      members.delete(subscriber);
    },
    get size() {
      return members.size;
    },
    rekey(subscriber, keys) {
      if (keys.join() === subscriber.keys.join()) return;
      if (!members.has(subscriber)) {
        subscriber.keys = keys;
        return;
      }
      unindex(subscriber);
      subscriber.keys = keys;
      index(subscriber);
    },
    deliver(event) {
      // chats:assign rows record questions asked at a jump (webhooks, event stream): not for sockets.
      if (event.trigger === 'chats:assign') return;
      const targets = new Set<S>();
      for (const key of event.audience ?? []) for (const s of byKey.get(key) ?? []) targets.add(s);
      for (const s of byKey.get(EVERYTHING) ?? []) targets.add(s);
      for (const subscriber of targets) subscriber.receive(event);
    },
  };
}
