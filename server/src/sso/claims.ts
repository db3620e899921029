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
 * The value of the configured role claim: a string, or the first string of an array (groups-style
 * claims). What it means (agent, supervisor, admin) is for the roles to decide; unknown → undefined.
 */
export function roleClaimValue(claims: Claims, roleClaim: string | undefined): string | undefined {
  if (!roleClaim) return undefined;
  const value = claims[roleClaim];
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.find((item): item is string => typeof item === 'string');
  return undefined;
}
