import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type App, findApp } from '../apps/apps.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import type { UserRow } from '../store/schema.ts';
import { userForToken } from '../users/sessions.ts';
import { forbidden, internal, unauthorized } from '../util/errors.ts';
import { digest, matchesDigest } from '../util/secrets.ts';
import { browserOriginAllowed } from './cors.ts';

/** The credential kinds of spec section 2. `public` = domain key, or the app id alone. */
export type AuthKind = 'admin' | 'secret' | 'public' | 'token';

export type Principal =
  | { kind: 'none' }
  | { kind: 'admin' }
  | { kind: 'secret'; app: App }
  | { kind: 'public'; app: App; viaKey: boolean }
  | { kind: 'token'; app: App; user: UserRow };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Credential kinds this route accepts; routes without it are open (health, docs). */
    auth?: AuthKind[];
    /** Whether credentials may also come from the query string (media download, WebSocket). */
    queryCredentials?: boolean;
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

function credential(request: FastifyRequest, headerName: string, queryName: string): string | undefined {
  const fromHeader = header(request, headerName);
  if (fromHeader !== undefined || !request.routeOptions.config.queryCredentials) return fromHeader;
  const value = (request.query as Record<string, unknown> | undefined)?.[queryName];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function sameKey(presented: string, expected: string): boolean {
  const a = Buffer.from(digest(presented), 'hex');
  const b = Buffer.from(digest(expected), 'hex');
  return timingSafeEqual(a, b);
}

/** Reads the credentials of a request. Wrong credentials are 401 without saying which part was wrong. */
export async function identify(ctx: Ctx, adminKey: string, request: FastifyRequest): Promise<Principal> {
  const admin = header(request, 'x-hyper-admin');
  const appId = credential(request, 'x-hyper-appid', 'appId');
  if (admin !== undefined && appId === undefined) {
    if (!sameKey(admin, adminKey)) throw unauthorized();
    return { kind: 'admin' };
  }
  if (appId === undefined) return { kind: 'none' };
  const app = await findApp(ctx.store.db, appId);
  if (!app) throw unauthorized();
  const secret = credential(request, 'x-hyper-secret', 'secret');
  if (secret !== undefined) {
    if (!matchesDigest(secret, app.secretHash)) throw unauthorized();
    return { kind: 'secret', app };
  }
  const token = credential(request, 'x-hyper-token', 'token');
  if (token !== undefined) {
    const user = await userForToken(ctx.store.db, app.id, token);
    if (!user) throw unauthorized();
    return { kind: 'token', app, user };
  }
  const key = header(request, 'x-hyper-key');
  if (key !== undefined) {
    if (!matchesDigest(key, app.domainKeyHash)) throw unauthorized();
    return { kind: 'public', app, viaKey: true };
  }
  if (app.settings.auth.requireDomainKey) throw unauthorized('This app requires its domain key');
  return { kind: 'public', app, viaKey: false };
}

/**
 * Browser credentials are held to the app's `domains` (spec section 2): the domain key and the app id
 * alone, and — when a browser sends them (an Origin is present) — session tokens too, so a site the app
 * does not list cannot act through a visitor's or agent's session. The server's own pages always may.
 */
export function checkOrigin(request: FastifyRequest, principal: Principal): void {
  if (principal.kind !== 'public' && principal.kind !== 'token') return;
  if (principal.app.domains.length === 0) return;
  const origin = header(request, 'origin');
  if (origin === undefined) {
    if (principal.kind === 'public' && principal.viaKey)
      throw forbidden('Origin is required with a domain key');
    return;
  }
  if (!browserOriginAllowed(request, principal.app, origin))
    throw forbidden('Origin is not one of the app’s domains');
}

export function installAuth(app: FastifyInstance, ctx: Ctx, adminKey: string): void {
  app.decorateRequest('principal', null as never);
  // onRequest: credentials are checked before a body is even read.
  app.addHook('onRequest', async (request) => {
    const allowed = request.routeOptions.config.auth;
    if (!allowed) return;
    const principal = await identify(ctx, adminKey, request);
    if (
      principal.kind === 'none' ||
      (principal.kind === 'public' && !principal.viaKey && !allowed.includes('public'))
    ) {
      throw unauthorized();
    }
    if (!allowed.includes(principal.kind)) throw forbidden('These credentials may not use this route');
    checkOrigin(request, principal);
    request.principal = principal;
  });
}

/** The app server or signed-in user a request acts as. Only for routes that accept only those kinds. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  if (p.kind === 'secret') return { app: p.app, user: null };
  if (p.kind === 'token') return { app: p.app, user: p.user };
  throw internal('route accepts credentials it does not handle');
}

/** The app of any app credential. */
export function appOf(request: FastifyRequest): App {
  const p = request.principal;
  if (p.kind === 'secret' || p.kind === 'token' || p.kind === 'public') return p.app;
  throw internal('route accepts credentials it does not handle');
}
