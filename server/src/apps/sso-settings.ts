import { isIP } from 'node:net';
import { type Static, Type } from '@sinclair/typebox';
import type { ErrorDetail } from '../util/errors.ts';

/**
 * Settings `sso` (docs/security.md, "Single sign-on"): the app's OpenID Connect provider. Absent = no
 * single sign-on. `clientSecret` is write-only: no answer carries it (presentSso).
 */
export const SsoSettingsSchema = Type.Object({
  issuer: Type.String({ minLength: 1, maxLength: 2048 }),
  clientId: Type.String({ minLength: 1, maxLength: 512 }),
  clientSecret: Type.String({ minLength: 1, maxLength: 2048 }),
  /** The ID token or userinfo claim that names the agent's role (read by sso/claims.ts). */
  roleClaim: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  autoCreate: Type.Boolean(),
  required: Type.Boolean(),
  /** false keeps the configuration but turns single sign-on off (the button, the routes, `required`). */
  enabled: Type.Boolean(),
});
export type SsoSettings = Static<typeof SsoSettingsSchema>;

/** What a first `sso` object is merged over: the contract's booleans default to off, the whole to on. */
export const SSO_DEFAULTS = { autoCreate: false, required: false, enabled: true } as const;

/** `sso` as answers show it: everything but the client secret. */
export const SsoSettingsView = Type.Omit(SsoSettingsSchema, ['clientSecret']);
export type SsoSettingsView = Static<typeof SsoSettingsView>;

export function presentSso(sso: SsoSettings): SsoSettingsView {
  const { clientSecret: _secret, ...view } = sso;
  return view;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether the issuer's host is this machine (127.0.0.0/8, ::1, localhost): plain http is allowed there. */
export function isLoopbackIssuer(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return LOOPBACK_NAMES.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * The issuer must be an https URL with no credentials, query or fragment (OpenID Connect Discovery
 * §3); plain http only for a loopback host, where the traffic never leaves the machine (a provider
 * run beside the server, and tests).
 */
export function issuerProblem(issuer: string): ErrorDetail | undefined {
  const field = 'sso.issuer';
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return { field, message: 'must be an absolute https URL' };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackIssuer(url)))
    return { field, message: 'must use https (http only for a loopback host such as 127.0.0.1)' };
  if (url.username || url.password || url.search || url.hash)
    return { field, message: 'must not carry credentials, a query or a fragment' };
  return undefined;
}
