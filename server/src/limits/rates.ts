import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { tooManyRequests } from '../util/errors.ts';

/**
 * Per-app rate caps (docs/limits.md, "Rates per app"): fair share, so no app can slow another by
 * flooding the store with messages, end users or uploads. Each cap is a fixed window counted per app
 * (rate-limiter-flexible); past it the request answers 429 with `Retry-After` (the seconds until the
 * window ends), over REST and realtime alike, before any work is done.
 *
 * Where they are counted (docs/decisions.md, "Rate caps per app"): messages per second in this node's
 * memory — the hot path pays a map lookup, never a round trip; users and uploads per minute in Redis
 * when the node has one, so they hold across nodes (a memory counter insures a Redis outage).
 */
export type RateKind = 'messages' | 'users' | 'uploads';

export interface RateCaps {
  /** Messages per app per second (REST and realtime), 0 = no cap. */
  messagesPerSecond: number;
  /** End users created per app per minute, 0 = no cap. */
  usersPerMinute: number;
  /** Media uploads per app per minute, 0 = no cap. */
  uploadsPerMinute: number;
  /**
   * Bytes per app per second the node streams for it (transcripts, media up and down), 0 = no cap:
   * what keeps one app's large transfers from taking the whole event loop.
   */
  transferBytesPerSecond: number;
}

export const DEFAULT_RATE_CAPS: RateCaps = {
  messagesPerSecond: 1000,
  usersPerMinute: 1000,
  uploadsPerMinute: 120,
  transferBytesPerSecond: 16 * 1024 * 1024,
};

export interface Rates {
  /** Counts one request of `kind` for the app; throws 429 (too-many) past its cap. */
  take(appId: string, kind: RateKind): Promise<void>;
  /**
   * Waits until the app may stream `bytes` more on this node (its share of the transfer cap): large
   * transfers are slowed, never refused, so other apps keep their share of the event loop.
   */
  pace(appId: string, bytes: number): Promise<void>;
}

const WHAT: Record<RateKind, string> = {
  messages: 'messages per second',
  users: 'users per minute',
  uploads: 'uploads per minute',
};

function limiterOf(
  kind: RateKind,
  points: number,
  duration: number,
  redis: Redis | undefined,
): RateLimiterAbstract | undefined {
  if (points <= 0) return undefined;
  const memory = new RateLimiterMemory({ keyPrefix: `rate:${kind}`, points, duration });
  if (!redis || kind === 'messages') return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `switchboard:rate:${kind}`,
    points,
    duration,
    // A Redis outage never turns into refused requests: the node counts alone until it is back.
    insuranceLimiter: memory,
    rejectIfRedisNotReady: true,
  });
}

/** The caps of one node; with `redis`, the per-minute caps are shared by every node using it. */
export function createRates(caps: RateCaps, redis?: Redis): Rates {
  const limiters: Record<RateKind, RateLimiterAbstract | undefined> = {
    messages: limiterOf('messages', caps.messagesPerSecond, 1, undefined),
    users: limiterOf('users', caps.usersPerMinute, 60, redis),
    uploads: limiterOf('uploads', caps.uploadsPerMinute, 60, redis),
  };
  const max: Record<RateKind, number> = {
    messages: caps.messagesPerSecond,
    users: caps.usersPerMinute,
    uploads: caps.uploadsPerMinute,
  };
  // Counted on each node, in memory: it shares out this node's event loop.
  const transfer =
    caps.transferBytesPerSecond > 0
      ? new RateLimiterMemory({
          keyPrefix: 'rate:transfer',
          points: caps.transferBytesPerSecond,
          duration: 1,
        })
      : undefined;
  return {
    async pace(appId, bytes) {
      if (!transfer) return;
      for (;;) {
        try {
          await transfer.consume(appId, Math.min(bytes, caps.transferBytesPerSecond));
          return;
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) throw error;
          await sleep(Math.max(1, error.msBeforeNext));
        }
      }
    },
    async take(appId, kind) {
      const limiter = limiters[kind];
      if (!limiter) return;
      try {
        await limiter.consume(appId);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw tooManyRequests(
          `Rate limit reached: at most ${max[kind]} ${WHAT[kind]} per app`,
          error.msBeforeNext / 1000,
        );
      }
    },
  };
}
