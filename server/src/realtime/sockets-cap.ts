import type { FastifyRequest } from 'fastify';
import { presentedCredentials } from '../policies/credentials.ts';
import { tooManyRequests } from '../util/errors.ts';
import type { Connection, Gateway } from './state.ts';

/**
 * The sockets-per-token cap (docs/security.md, "Sessions"): one session token holds at most
 * `maxSocketsPerToken` open `/v1/ws` sockets on a node. Past it the upgrade is refused with HTTP 429
 * and `Retry-After` before it happens; a socket that slipped past that check in a burst of parallel
 * upgrades is closed with 4008 once authenticated.
 */

/** Seconds a refused client is told to wait: sockets free up only as others close. */
export const SOCKETS_RETRY_AFTER = 10;

const tooMany = () =>
  tooManyRequests('Too many open sockets for this token: close one first', SOCKETS_RETRY_AFTER);

/** Before the upgrade: refuses a token that already holds its cap of sockets here. */
export function checkSocketCap(gateway: Gateway, request: FastifyRequest): void {
  const { token } = presentedCredentials(request.headers, request.query);
  if (token === undefined) return;
  if ((gateway.tokenSockets.get(token) ?? 0) >= gateway.options.maxSocketsPerToken) throw tooMany();
}

/** After authentication: counts the socket for its token; false when that is one too many. */
export function holdTokenSocket(gateway: Gateway, connection: Connection): boolean {
  const credential = connection.credential;
  if (credential?.kind !== 'token') return true;
  const count = gateway.tokenSockets.get(credential.token) ?? 0;
  if (count >= gateway.options.maxSocketsPerToken) return false;
  gateway.tokenSockets.set(credential.token, count + 1);
  connection.countedToken = true;
  return true;
}

/** The socket closed: its token holds one fewer. */
export function releaseTokenSocket(gateway: Gateway, connection: Connection): void {
  if (!connection.countedToken || connection.credential?.kind !== 'token') return;
  connection.countedToken = false;
  const { token } = connection.credential;
  const count = (gateway.tokenSockets.get(token) ?? 1) - 1;
  if (count <= 0) gateway.tokenSockets.delete(token);
  else gateway.tokenSockets.set(token, count);
}
