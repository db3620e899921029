import type { FastifyRequest } from 'fastify';
import type { Trigger } from '../events/catalog.ts';
import { statusOf } from '../http/status.ts';
import type { Throttle } from '../limits/throttle.ts';
import {
  type CredentialLookup,
  type HeldCredential,
  heldCredential,
  presentedCredentials,
  resolvePrincipal,
} from '../policies/credentials.ts';
import { isDomainError } from '../util/errors.ts';
import type { SocketError } from '../wire/sockets.ts';
import { parseTriggers } from './frames.ts';

/** Credentials a stream upgrade must not carry in its URL (proxies and access logs keep URLs). */
const CREDENTIALS_IN_QUERY = ['secret', 'token', 'appId', 'key'];

/** The app whose secret the upgrade carries in headers, or why not (4001, as on /v1/ws). */
export async function authenticate(
  lookup: CredentialLookup,
  adminKey: string,
  request: FastifyRequest,
  throttle?: Throttle,
): Promise<{ appId: string; credential: HeldCredential } | string> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (CREDENTIALS_IN_QUERY.some((name) => query[name] !== undefined))
    return 'Credentials go in the x-hyper-appid and x-hyper-secret headers, never in the URL';
  const presented = presentedCredentials(request.headers);
  let principal: Awaited<ReturnType<typeof resolvePrincipal>>;
  try {
    principal = await resolvePrincipal(lookup, adminKey, presented);
  } catch (error) {
    // Wrong credentials count against the address (docs/security.md, Throttling).
    if (isDomainError(error, 'unauthenticated')) await throttle?.credentialsFailed(request.ip);
    if ((statusOf(error) ?? 500) < 500) return (error as Error).message;
    throw error;
  }
  if (principal.kind !== 'secret') return 'The app secret is required (x-hyper-appid + x-hyper-secret)';
  return { appId: principal.app.id, credential: heldCredential(principal, presented) };
}

/** `events` and `cursor` of the upgrade, or the problem with them (answered on the socket, then 1008). */
export function streamQuery(
  request: FastifyRequest,
): { triggers: Set<Trigger>; cursor: unknown } | SocketError {
  if (request.validationError) {
    // A parameter given twice (an array) or otherwise not one string.
    const field = request.validationError.validation?.[0]?.instancePath.replace(/^\//, '') || 'query';
    return {
      code: 400,
      message: `Invalid ${field}: give it once, as one string`,
      details: [{ field, message: 'must be one string' }],
    };
  }
  const query = (request.query ?? {}) as Record<string, unknown>;
  const triggers = parseTriggers(query.events);
  if (!(triggers instanceof Set)) return triggers;
  return { triggers, cursor: query.cursor };
}
