import { Redis, type RedisOptions } from 'ioredis';

/**
 * This node's connections to Redis, watched as one link: `ok` while every one of them is ready,
 * `degraded` otherwise. A node starts and serves without Redis (the realtime feeds catch up from
 * the store, as they do for any message the bus loses); ioredis keeps reconnecting, and when Redis is
 * back the bus works again without a restart. An outage is logged as one line when it starts and
 * one when it ends (with its length), never once per failed command or reconnection attempt.
 */
export type LinkState = 'ok' | 'degraded';

export interface RedisLink {
  /** A new connection (connecting at once, reconnecting for ever), counted in the link's state. */
  connect(options?: RedisOptions): Redis;
  /** Closes a connection for good: its end is not an outage. */
  quit(client: Redis): Promise<void>;
  state(): LinkState;
  /** Resolves true once every connection is ready, false after `ms` without (start does not wait). */
  ready(ms: number): Promise<boolean>;
}

export interface LinkLog {
  warn(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
}

export function createRedisLink(url: string, log: LinkLog): RedisLink {
  const clients = new Set<Redis>();
  /** When the outage began (ms), once it was logged; undefined while the link is up. */
  let downSince: number | undefined;
  const startedAt = Date.now();
  let everUp = false;
  const waiters = new Set<() => void>();

  const up = () => clients.size > 0 && [...clients].every((c) => c.status === 'ready');

  function update(error?: Error): void {
    if (up()) {
      everUp = true;
      if (downSince !== undefined) {
        const seconds = Math.round((Date.now() - downSince) / 100) / 10;
        log.info(
          { redis: 'ok', downSeconds: seconds },
          `redis is back after ${seconds} s: bus working again`,
        );
        downSince = undefined;
      }
      for (const wake of waiters) wake();
      return;
    }
    // Only a failure starts an outage: connections still connecting at start are not one yet.
    if (downSince !== undefined || !error) return;
    downSince = everUp ? Date.now() : startedAt;
    log.warn(
      { redis: 'degraded', reason: error.message },
      'redis unreachable: running degraded (realtime catches up from the store) until it is back',
    );
  }

  return {
    connect(options) {
      // Retries every second at most (ioredis' default backs off to 2 s): back soon after Redis is.
      const client = new Redis(url, { retryStrategy: (times) => Math.min(times * 50, 1000), ...options });
      clients.add(client);
      client.on('ready', () => update());
      // ioredis reports each failed attempt here; without a listener it would throw.
      client.on('error', (error: Error) => update(error));
      client.on('close', () => {
        if (clients.has(client)) update(new Error('connection closed'));
      });
      return client;
    },
    async quit(client) {
      clients.delete(client);
      // quit() waits for a connection that may never come; disconnect() ends at once.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
    state: () => (up() ? 'ok' : 'degraded'),
    ready(ms) {
      if (up()) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (value: boolean) => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(value);
        };
        const wake = () => done(true);
        const timer = setTimeout(() => done(false), ms);
        timer.unref();
        waiters.add(wake);
      });
    },
  };
}
