import type { Revocation } from '../events/bus.ts';
import { recheckCredential } from '../policies/credentials.ts';
import { drop } from './connection.ts';
import { CLOSE_BAD_CREDENTIALS } from './options.ts';
import { isClosed } from './socket.ts';
import type { Connection, Gateway } from './state.ts';

/** How long a revocation is remembered for handshakes that were reading their token as it came. */
const RECENT_MS = 10_000;

/**
 * Sessions that end close their sockets (docs/security.md, "Sessions"). A revocation on the bus (from
 * any node, this one included) makes this node re-check the token of each socket of that user and close
 * with 4001 those that no longer open the app. A node that may have missed one — its Redis subscription
 * was lost, or it has no Redis while sharing a PostgreSQL store — re-checks every token socket at its
 * next heartbeat.
 */
export interface RevocationWatch {
  /** At each heartbeat, before its sockets: whether every socket's token is to be checked again. */
  beat(): void;
  /** A socket still alive at this heartbeat. */
  onBeat(connection: Connection): void;
  stop(): void;
}

export function watchRevocations(gateway: Gateway): RevocationWatch {
  const { bus, store } = gateway.ctx;
  const recent = gateway.revokedAt;
  let seenMissed = bus.missed();
  let recheckAll = false;
  // Without Redis on a shared store, other nodes' revocations never reach this one: check every beat.
  const deaf = bus.kind === 'memory' && store.dialect === 'postgres';

  const stop = bus.onRevoked((notice: Revocation) => {
    const now = Date.now();
    recent.set(notice.userId, now);
    for (const [userId, at] of recent) if (now - at > RECENT_MS) recent.delete(userId);
    for (const connection of gateway.connections) {
      if (connection.user?.id === notice.userId) check(gateway, connection, notice.appId);
    }
  });

  return {
    beat() {
      const missed = bus.missed();
      recheckAll = deaf || missed !== seenMissed || bus.state() !== 'ok';
      seenMissed = missed;
    },
    onBeat(connection) {
      if (recheckAll && connection.phase === 'live') check(gateway, connection, connection.appId);
    },
    stop,
  };
}

/**
 * A handshake that read its token from `startedAt` (ms) on: if its user's sessions were revoked since,
 * the read may have come first, so the token is checked again.
 */
export function checkAfterHandshake(
  gateway: Gateway,
  connection: Connection,
  appId: string,
  startedAt: number,
): void {
  const userId = connection.user?.id;
  const at = userId === undefined ? undefined : gateway.revokedAt.get(userId);
  if (at !== undefined && at >= startedAt) check(gateway, connection, appId);
}

/** Re-reads the socket's token; closes the socket with 4001 when it no longer opens the app. */
function check(gateway: Gateway, connection: Connection, appId: string): void {
  if (isClosed(connection) || connection.credential?.kind !== 'token') return;
  recheckCredential(gateway.lookup, appId, connection.credential).then(
    (actor) => {
      if (!actor) drop(gateway, connection, CLOSE_BAD_CREDENTIALS, 'Session ended');
    },
    (error: unknown) => gateway.log.error({ err: error }, 'realtime: re-checking a token failed'),
  );
}
