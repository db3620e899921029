import { type App, originAllowed, secretOpens } from '../apps/apps.ts';
import type { UserRow } from '../store/schema.ts';
import { forbidden, internal, unauthorized } from '../util/errors.ts';
import { digest, matchesDigest } from '../util/secrets.ts';
import type { Actor } from './actor.ts';
import { isAdminPerson } from './people.ts';

/**
 * Credential resolution (docs/conventions.md), one rule set for every transport: REST requests
 * (http/auth.ts), the realtime handshake and its per-frame re-check, and the event stream. Transports
 * only say where the credentials came from (headers, maybe the query); what they mean is decided here.
 * Wrong credentials are 401 without saying which part was wrong.
 */

/** The credential kinds. `public` = domain key, or the app id alone. */
export type AuthKind = 'admin' | 'secret' | 'public' | 'token';

export type Principal =
  | { kind: 'none' }
  | { kind: 'admin' }
  | { kind: 'secret'; app: App }
  | { kind: 'public'; app: App; viaKey: boolean }
  /** `session`: the digest of the token, naming the session (a password change keeps this one). */
  | { kind: 'token'; app: App; user: UserRow; session: string };

/** What a request carries, as presented (unchecked). */
export interface PresentedCredentials {
  admin: string | undefined;
  appId: string | undefined;
  secret: string | undefined;
  token: string | undefined;
  key: string | undefined;
}

/** The store reads resolution needs, given by the transport (policies sit below the domain). */
export interface CredentialLookup {
  app(appId: string): Promise<App | undefined>;
  /**
   * The app and the user a session token opens in it (sliding its expiry), read together: undefined
   * when there is no such app, `user` undefined when the token does not open it.
   */
  appAndUser(appId: string, token: string): Promise<{ app: App; user: UserRow | undefined } | undefined>;
}

type Headers = Record<string, string | string[] | undefined>;

export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

/**
 * The credentials of a request. With `query` (routes that allow it: media download, WebSocket), the app
 * id, secret and token may also come from the query string; a header always wins. The admin key and
 * the domain key are headers only.
 */
export function presentedCredentials(headers: Headers, query?: unknown): PresentedCredentials {
  const fromQuery = (name: string): string | undefined => {
    const value = (query as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const either = (header: string, name: string) =>
    headerValue(headers, header) ?? (query === undefined ? undefined : fromQuery(name));
  return {
    admin: headerValue(headers, 'x-hyper-admin'),
    appId: either('x-hyper-appid', 'appId'),
    secret: either('x-hyper-secret', 'secret'),
    token: either('x-hyper-token', 'token'),
    key: headerValue(headers, 'x-hyper-key'),
  };
}

/** Who presented credentials are: the admin, an app's server, a browser of an app, or a signed-in user. */
export async function resolvePrincipal(
  lookup: CredentialLookup,
  adminKey: string,
  presented: PresentedCredentials,
): Promise<Principal> {
  const { admin, appId, secret, token, key } = presented;
  if (admin !== undefined && appId === undefined) {
    if (!matchesDigest(admin, digest(adminKey))) throw unauthorized();
    return { kind: 'admin' };
  }
  if (appId === undefined) return { kind: 'none' };
  if (secret === undefined && token !== undefined) {
    const found = await lookup.appAndUser(appId, token);
    if (!found?.user) throw unauthorized();
    return { kind: 'token', app: found.app, user: found.user, session: digest(token) };
  }
  const app = await lookup.app(appId);
  if (!app) throw unauthorized();
  if (secret !== undefined) {
    if (!secretOpens(app, secret)) throw unauthorized();
    return { kind: 'secret', app };
  }
  if (key !== undefined) {
    if (!matchesDigest(key, app.domainKeyHash)) throw unauthorized();
    return { kind: 'public', app, viaKey: true };
  }
  if (app.settings.auth.requireDomainKey) throw unauthorized('This app requires its domain key');
  return { kind: 'public', app, viaKey: false };
}

/**
 * Whether a principal may call a route that takes the credential kinds `allowed`. An admin person's
 * token (docs/people.md) may also call every route the secret may: the registry then hands the
 * operation an actor acting as the app (actor.ts, actingAs).
 */
export function routeAccepts(principal: Principal, allowed: readonly AuthKind[]): boolean {
  if (principal.kind === 'none') return false;
  if (allowed.includes(principal.kind)) return true;
  return principal.kind === 'token' && allowed.includes('secret') && isAdminPerson(principal.user);
}

/**
 * Browser credentials are held to the app's `domains`: the domain key and the app id alone, and — when
 * a browser sends them (an Origin is present) — session tokens too, so a site the app does not list
 * cannot act through a visitor's or agent's session. The server's own pages (same host) always may.
 */
export function checkBrowserOrigin(principal: Principal, origin: string | undefined, host: string): void {
  if (principal.kind !== 'public' && principal.kind !== 'token') return;
  if (principal.app.domains.length === 0) return;
  if (origin === undefined) {
    if (principal.kind === 'public' && principal.viaKey)
      throw forbidden('Origin is required with a domain key');
    return;
  }
  if (!isOwnOrigin(origin, host) && !originAllowed(principal.app.domains, origin))
    throw forbidden('Origin is not one of the app’s domains');
}

function isOwnOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/** The app server or signed-in user a principal acts as; other kinds have no actor. */
export function actorOfPrincipal(principal: Principal): Actor | undefined {
  if (principal.kind === 'secret') return { app: principal.app, user: null };
  if (principal.kind === 'token')
    return { app: principal.app, user: principal.user, session: principal.session };
  return undefined;
}

/** The credential a long-lived connection keeps, to check again later (sockets re-check per frame). */
export type HeldCredential = { kind: 'secret'; secret: string } | { kind: 'token'; token: string };

export function heldCredential(principal: Principal, presented: PresentedCredentials): HeldCredential {
  if (principal.kind === 'secret') return { kind: 'secret', secret: presented.secret ?? '' };
  if (principal.kind === 'token') return { kind: 'token', token: presented.token ?? '' };
  throw internal('only secret and token credentials are held');
}

/**
 * The actor a held credential still stands for — the app and the user read afresh (an agent's rooms may
 * have changed) — or undefined when it no longer opens the app. Store errors are thrown.
 */
export async function recheckCredential(
  lookup: CredentialLookup,
  appId: string,
  held: HeldCredential,
): Promise<Actor | undefined> {
  if (held.kind === 'token') {
    const found = await lookup.appAndUser(appId, held.token);
    return found?.user ? { app: found.app, user: found.user, session: digest(held.token) } : undefined;
  }
  const app = await lookup.app(appId);
  if (!app) return undefined;
  return secretOpens(app, held.secret) ? { app, user: null } : undefined;
}
