import { CLOSE_CODES } from '../wire/sockets.ts';

/** Limits and periods of the realtime gateway (docs/realtime.md), shared by the event stream. */
export interface RealtimeOptions {
  /** WebSocket ping period; a socket that misses two pongs in a row is dropped. */
  heartbeatMs: number;
  /** Largest client frame; a bigger one closes the socket with 1009. */
  maxFrameBytes: number;
  /** Per-connection token bucket for client frames: `burst` at once, `perSecond` sustained → 4008. */
  rateLimit: { burst: number; perSecond: number };
  /** Bytes a socket may have queued for sending before it is dropped as a slow consumer (1013). */
  maxBufferedBytes: number;
  /** Live events held for a socket while it replays; beyond this it is dropped like a slow consumer. */
  maxBacklog: number;
  /** How far back a cursor can resume (docs/realtime.md: 24 h). */
  retentionMs: number;
  /** How long the per-app feed waits for a missing position before reading it from the store. */
  gapWaitMs: number;
  /** How often each node compares the store's head with what it delivered (lost bus messages). */
  catchUpMs: number;
  /**
   * Presence lease of a node (`SWITCHBOARD_LEASE_MS`): how long a dead node's users stay connected
   * before the others sweep them into their reconnect grace.
   */
  nodeLeaseMs: number;
  /** How often the lease is renewed and dead nodes are swept; a third of the lease unless given. */
  maintenanceMs: number;
  /** Open `/v1/ws` sockets one session token may hold on one node (`SWITCHBOARD_MAX_SOCKETS_PER_TOKEN`). */
  maxSocketsPerToken: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  heartbeatMs: 25_000,
  maxFrameBytes: 64 * 1024,
  rateLimit: { burst: 100, perSecond: 20 },
  maxBufferedBytes: 4 * 1024 * 1024,
  maxBacklog: 10_000,
  retentionMs: 24 * 3600 * 1000,
  gapWaitMs: 100,
  catchUpMs: 1000,
  nodeLeaseMs: 5000,
  maintenanceMs: Math.floor(5000 / 3),
  maxSocketsPerToken: 20,
};

export function realtimeOptions(partial: Partial<RealtimeOptions> | undefined): RealtimeOptions {
  const nodeLeaseMs = partial?.nodeLeaseMs ?? DEFAULT_REALTIME_OPTIONS.nodeLeaseMs;
  return {
    ...DEFAULT_REALTIME_OPTIONS,
    ...partial,
    nodeLeaseMs,
    // Three beats per lease: one late or failed renewal does not let the lease run out.
    maintenanceMs: partial?.maintenanceMs ?? Math.max(1, Math.floor(nodeLeaseMs / 3)),
    rateLimit: { ...DEFAULT_REALTIME_OPTIONS.rateLimit, ...partial?.rateLimit },
  };
}

/** Close codes of both gateways, as wire/sockets.ts publishes them (docs/realtime.md, docs/stream.md). */
export const CLOSE_GOING_AWAY = CLOSE_CODES.goingAway.code;
export const CLOSE_INTERNAL = CLOSE_CODES.internal.code;
export const CLOSE_SLOW_CONSUMER = CLOSE_CODES.slowConsumer.code;
export const CLOSE_BAD_CREDENTIALS = CLOSE_CODES.badCredentials.code;
export const CLOSE_RATE_LIMITED = CLOSE_CODES.rateLimited.code;

/** Close reasons are capped (a WebSocket close frame holds 123 bytes of reason). */
export const closeReason = (message: string): string => message.slice(0, 120);
