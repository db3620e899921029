import * as oidc from 'openid-client';
import { isLoopbackIssuer, type SsoSettings } from '../apps/sso-settings.ts';

/** Seconds each call to the provider (discovery, token, userinfo, keys) may take. */
const PROVIDER_TIMEOUT = 10;

/**
 * The relying party for an app's provider, read from the issuer's discovery document each time: sign-ins
 * are rare, and a changed secret or provider then takes effect at once on every node. The ID token's
 * signature is checked against the provider's keys (`enableNonRepudiationChecks`), not only trusted
 * for coming over TLS; plain http is allowed for a loopback issuer only (apps/sso-settings.ts).
 */
export async function relyingParty(sso: SsoSettings): Promise<oidc.Configuration> {
  const issuer = new URL(sso.issuer);
  const execute = [oidc.enableNonRepudiationChecks];
  if (issuer.protocol === 'http:' && isLoopbackIssuer(issuer)) execute.push(oidc.allowInsecureRequests);
  return oidc.discovery(issuer, sso.clientId, undefined, oidc.ClientSecretBasic(sso.clientSecret), {
    execute,
    timeout: PROVIDER_TIMEOUT,
  });
}
