import * as oidc from 'openid-client';
import { type App, findApp } from '../apps/apps.ts';
import type { SsoSettings } from '../apps/sso-settings.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Ctx } from '../events/context.ts';
import { ssoOf } from '../policies/sign-in.ts';
import { notFound, unavailable } from '../util/errors.ts';
import { digest } from '../util/secrets.ts';
import { nowSeconds } from '../util/time.ts';
import { agentByEmail, applyClaimedRole, createSsoAgent } from './agents.ts';
import { type Claims, identityOf, roleFromClaims } from './claims.ts';
import { issueHandoff } from './handoff.ts';
import { relyingParty } from './provider.ts';
import { deleteExpired, insertLogin, takeLogin } from './statements.ts';

/** How long a person may spend at the provider's pages before the login must start again. */
const LOGIN_SECONDS = 600;
const SCOPES = 'openid email profile';

/**
 * GET /agents/sso/start: the provider's authorization URL (code flow, PKCE S256, state, nonce). The
 * login waits in the store (digest of `state` → verifier, nonce), so any node can finish it.
 */
export async function startSso(ctx: Ctx, app: App, redirectUri: string): Promise<string> {
  const sso = ssoOf(app);
  if (!sso) throw notFound('This app has no single sign-on');
  const rp = await relyingParty(sso).catch((error: unknown) => {
    throw unavailable(`The app's identity provider cannot be reached: ${messageOf(error)}`);
  });
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  await deleteExpired(ctx.store.db);
  await insertLogin(ctx.store.db, {
    key: digest(state),
    appId: app.id,
    verifier,
    nonce,
    redirectUri,
    expires: nowSeconds() + LOGIN_SECONDS,
  });
  return oidc.buildAuthorizationUrl(rp, {
    redirect_uri: redirectUri,
    scope: SCOPES,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).href;
}

/** Why a callback did not sign anyone in: the console shows it (`#ssoError=`), the log keeps `detail`. */
export type SsoRefusal = 'expired' | 'disabled' | 'denied' | 'refused' | 'email' | 'unknown-agent';

export type CallbackOutcome =
  | { appId: string; code: string }
  | { appId: string | undefined; refusal: SsoRefusal; detail: string };

/**
 * GET /agents/sso/callback: takes the pending login of `state` (once), trades the code at the
 * provider and validates the ID token (openid-client: issuer, audience, nonce, expiry, signature),
 * then finds the agent by e-mail (= contact) or creates it (`autoCreate`). Success is a one-time code
 * for the console; every refusal changes nothing.
 */
export async function finishSso(
  ctx: Ctx,
  query: Record<string, string>,
  ip: string | undefined,
): Promise<CallbackOutcome> {
  const login = query.state ? await takeLogin(ctx.store.db, digest(query.state)) : undefined;
  if (!login) return { appId: undefined, refusal: 'expired', detail: 'unknown, used or expired state' };
  const app = await findApp(ctx.store.db, login.appId);
  const sso = app && ssoOf(app);
  if (!app || !sso) return { appId: login.appId, refusal: 'disabled', detail: 'single sign-on is off' };
  // A refusal for an app that uses single sign-on is a failed sign-in of its audit log.
  const refuse = async (refusal: SsoRefusal, detail: string) => {
    await recordAudit(ctx.store.db, {
      appId: app.id,
      by: { actor: { kind: 'agent' }, ip },
      action: 'agents.sso_sign_in_failed',
      target: { type: 'agent', id: 'unknown' },
    });
    return { appId: app.id, refusal, detail };
  };
  if (query.error) return refuse('denied', `provider answered ${query.error}`);
  let claims: Claims;
  try {
    claims = await providerClaims(sso, query, login);
  } catch (error) {
    return refuse('refused', messageOf(error));
  }
  const identity = identityOf(claims);
  if (!identity) return refuse('email', 'no verified e-mail among the claims');
  const role = roleFromClaims(claims, sso.roleClaim);
  const found = await agentByEmail(ctx.store.db, app.id, identity.email);
  const agent = found ?? (sso.autoCreate ? await createSsoAgent(ctx, app, identity, role) : undefined);
  if (!agent) return refuse('unknown-agent', 'no agent has this e-mail and autoCreate is off');
  if (found) await applyClaimedRole(ctx, app, found, role);
  return { appId: app.id, code: await issueHandoff(ctx, app.id, agent.id) };
}

/** The code traded and the ID token validated; userinfo completes it when it lacks the e-mail. */
async function providerClaims(
  sso: SsoSettings,
  query: Record<string, string>,
  login: { verifier: string; nonce: string; redirectUri: string },
): Promise<Claims> {
  const rp = await relyingParty(sso);
  const current = new URL(login.redirectUri);
  for (const [name, value] of Object.entries(query)) current.searchParams.set(name, value);
  const tokens = await oidc.authorizationCodeGrant(rp, current, {
    pkceCodeVerifier: login.verifier,
    expectedState: query.state,
    expectedNonce: login.nonce,
    idTokenExpected: true,
  });
  const idToken = tokens.claims();
  if (!idToken) throw new Error('no ID token');
  if (identityOf(idToken)) return idToken;
  const userInfo = await oidc.fetchUserInfo(rp, tokens.access_token, idToken.sub);
  return { ...userInfo, ...idToken };
}

/** openid-client's message, with what it wraps: the failed check, or the provider's error code. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) return `${error.message}: ${cause.message}`;
  if (cause && typeof cause === 'object' && 'error' in cause)
    return `${error.message}: ${String(cause.error)}`;
  return error.message;
}
