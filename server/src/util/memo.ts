/**
 * Memos of pure functions: a value computed from its key, kept for the next call with that key. They
 * are not state: the answer for a key never depends on what ran before, so two servers in one process
 * sharing a memo see nothing of each other. The architecture test flags module-level maps; a memo is
 * how a module keeps such a cache instead.
 */

/** Keyed by value; cleared whole when it reaches `limit` entries (keys are few: settings, secrets). */
export function memo<K, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      if (cache.size >= limit) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}

/** Keyed by object identity, dropped with the object (a stored event and its encoded frame). */
export function memoByObject<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      cache.set(key, value);
    }
    return value;
  };
}
