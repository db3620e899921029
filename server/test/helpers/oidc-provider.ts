import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * A real, certified OpenID provider (`oidc-provider`) on 127.0.0.1 for the single sign-on suites, with
 * its development login pages (any password; the login names an account of `accounts`) and consent
 * granted up front, as a company's provider does for its own apps.
 */
export interface TestProvider {
  issuer: string;
  /** Seconds an authorization code lives (tests of an expired code shorten it). */
  codeTtl: number;
  /** The next token answer carries this ID token instead of its own (a substituted token). */
  swapNextIdToken(idToken: string): void;
  close(): Promise<void>;
}

export interface ProviderClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export type AccountClaims = Record<string, unknown>;

export async function startProvider(
  clients: ProviderClient[],
  accounts: Record<string, AccountClaims>,
): Promise<TestProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let swap: string | undefined;
  const state: TestProvider = {
    issuer,
    codeTtl: 60,
    swapNextIdToken: (idToken) => {
      swap = idToken;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const configuration: Configuration = {
    clients: clients.map((client) => ({
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], roles: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'roles'],
    cookies: { keys: ['switchboard-test-cookie-key'] },
    pkce: { required: () => true },
    ttl: {
      AuthorizationCode: () => state.codeTtl,
      AccessToken: 600,
      IdToken: 600,
      Grant: 600,
      Interaction: 600,
      Session: 600,
    },
    findAccount: (_ctx, id) => {
      const claims = accounts[id];
      return claims ? { accountId: id, claims: () => ({ sub: id, ...claims }) } : undefined;
    },
    // Consent is the company's, given for every scope asked (no consent page).
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (!accountId || !clientId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope('openid email profile roles');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && swap && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...ctx.body, id_token: swap };
      swap = undefined;
    }
  });
  server.on('request', provider.callback());
  return state;
}

/**
 * A browser at the provider, by HTTP: follows `authorizeUrl` through the login page (signing in as
 * `login`) until the provider sends it to a redirect URI; returns that URL (with `code`, `state`).
 */
export async function signInAtProvider(authorizeUrl: string, login: string): Promise<URL> {
  const cookies = new Map<string, string>();
  const origin = new URL(authorizeUrl).origin;
  let url = new URL(authorizeUrl);
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 10; hop++) {
    if (url.origin !== origin) return url;
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    form = undefined;
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      continue;
    }
    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action || !page.includes('name="login"'))
      throw new Error(`provider answered ${response.status}: ${page.slice(0, 300)}`);
    url = new URL(action.replaceAll('&amp;', '&'), url);
    form = new URLSearchParams({ prompt: 'login', login, password: 'any' });
  }
  throw new Error('too many hops at the provider');
}
