import type { AgentRole } from '../store/schema.ts';

/** What a sign-in needs from the provider's claims (ID token, completed by userinfo). */
export interface SsoIdentity {
  email: string;
  name: string;
}

export type Claims = Record<string, unknown>;

/**
 * The agent's e-mail and name. An e-mail the provider marks unverified (`email_verified: false`) is
 * refused: anyone could have typed it. Providers that never send `email_verified` (Entra ID) are
 * trusted for the e-mail they send (docs/security.md, "Single sign-on").
 */
export function identityOf(claims: Claims): SsoIdentity | undefined {
  const email = typeof claims.email === 'string' ? claims.email.trim() : '';
  if (!email.includes('@') || email.length > 320 || claims.email_verified === false) return undefined;
  const name = typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim() : email;
  return { email, name: name.slice(0, 200) };
}

/**
 * The role the configured claim gives (docs/people.md): a string, or a groups-style array whose
 * strings are searched, the highest role named winning (`admin`, then `supervisor`, then `agent`,
 * case-insensitive). A claim that is missing or names none of them gives no role: the agent's stays.
 */
export function roleFromClaims(claims: Claims, roleClaim: string | undefined): AgentRole | undefined {
  if (!roleClaim) return undefined;
  const value = claims[roleClaim];
  const named = (Array.isArray(value) ? value : [value])
    .filter((item): item is string => typeof item === 'string')
    .map((item) => item.trim().toLowerCase());
  return ROLES_HIGHEST_FIRST.find((role) => named.includes(role));
}

const ROLES_HIGHEST_FIRST: readonly AgentRole[] = ['admin', 'supervisor', 'agent'];
