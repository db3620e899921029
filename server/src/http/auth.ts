import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../events/context.ts';
import type { Throttle } from '../limits/throttle.ts';
import {
  type AuthKind,
  checkBrowserOrigin,
  headerValue,
  type PresentedCredentials,
  type Principal,
  presentedCredentials,
  resolvePrincipal,
  routeAccepts,
} from '../policies/credentials.ts';
import { credentialLookup } from '../users/sessions.ts';
import { forbidden, isDomainError, unauthorized } from '../util/errors.ts';

/** REST's side of credentials: which kinds a route accepts; what they mean is policies/credentials.ts. */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Credential kinds this route accepts; routes without it are open (health, docs). */
    auth?: AuthKind[];
    /** Whether credentials may also come from the query string (media download). */
    queryCredentials?: boolean;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export function installAuth(app: FastifyInstance, ctx: Ctx, adminKey: string, throttle: Throttle): void {
  const lookup = credentialLookup(ctx.store.db);
  app.decorateRequest('principal', null as never);
  // onRequest: credentials are checked before a body is even read.
  app.addHook('onRequest', async (request) => {
    const allowed = request.routeOptions.config.auth;
    if (!allowed) return;
    const query = request.routeOptions.config.queryCredentials ? request.query : undefined;
    const presented = presentedCredentials(request.headers, query);
    // An address that sent too many wrong credentials is refused before any is checked (docs/security.md).
    if (hasCredentials(presented)) throttle.checkCredentials(request.ip);
    const principal = await resolvePrincipal(lookup, adminKey, presented).catch(async (error: unknown) => {
      if (isDomainError(error, 'unauthenticated')) await throttle.credentialsFailed(request.ip);
      throw error;
    });
    if (
      principal.kind === 'none' ||
      (principal.kind === 'public' && !principal.viaKey && !allowed.includes('public'))
    ) {
      throw unauthorized();
    }
    if (!routeAccepts(principal, allowed)) throw forbidden('These credentials may not use this route');
    checkBrowserOrigin(principal, headerValue(request.headers, 'origin'), String(request.headers.host ?? ''));
    request.principal = principal;
  });
}

/** Whether a request presents anything to check (open routes and bare requests are not guesses). */
const hasCredentials = (presented: PresentedCredentials) =>
  Object.values(presented).some((value) => value !== undefined);
