import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { assertError, createTestApp, expectStatus, type TestApp } from './helpers/fixtures.ts';
import { describeEachStore, type Json, startServer, type TestServer } from './helpers/harness.ts';
import { signInAtProvider, startProvider, type TestProvider } from './helpers/oidc-provider.ts';

/** Single sign-on (docs/security.md, "Single sign-on") against a real OpenID provider. */
describeEachStore('single sign-on', (kind) => {
  const HOST = 'sb.test';
  const REDIRECT = `http://${HOST}/v1/agents/sso/callback`;
  const CLIENT = {
    client_id: 'switchboard',
    client_secret: 'switchboard-client-secret',
    redirect_uris: [REDIRECT],
  };
  const OTHER = { client_id: 'other-app', client_secret: 'other-app-secret', redirect_uris: [REDIRECT] };
  let server: TestServer;
  let provider: TestProvider;
  let shop: TestApp;

  before(async () => {
    provider = await startProvider([CLIENT, OTHER], {
      ann: { email: 'Ann@Shop.example', email_verified: true, name: 'Ann Agent' },
      newbie: { email: 'newbie@shop.example', email_verified: true, name: 'New Person' },
      stranger: { email: 'stranger@shop.example', email_verified: true, name: 'Stranger' },
      unverified: { email: 'boss@shop.example', email_verified: false, name: 'Not Boss' },
    });
    server = await startServer(kind);
    shop = await createTestApp(server, 'Shop');
    await expectStatus(server, 201, 'POST', '/v1/agents', {
      headers: shop.asApp,
      body: { name: 'Ann', contact: 'ann@shop.example', password: 'ann-password', rooms: [1] },
    });
    await configure({
      issuer: provider.issuer,
      clientId: CLIENT.client_id,
      clientSecret: CLIENT.client_secret,
      autoCreate: false,
      required: false,
    });
  });
  after(async () => {
    await server.close();
    await provider.close();
  });

  const configure = (sso: Json) =>
    expectStatus(server, 200, 'PUT', '/v1/settings', { headers: shop.asApp, body: { sso } });

  async function agentCount(): Promise<number> {
    const res = await expectStatus(server, 200, 'GET', '/v1/agents?limit=200', { headers: shop.asApp });
    return res.body.agents.length;
  }

  /** GET /agents/sso/start → the provider's authorization URL. */
  async function startLogin(): Promise<URL> {
    const res = await server.request('GET', `/v1/agents/sso/start?appId=${shop.id}`, {
      headers: { host: HOST },
    });
    assert.equal(res.status, 302, res.text);
    return new URL(String(res.headers.location));
  }

  /** The provider's redirect delivered to the callback → where the callback sends the browser. */
  async function callback(back: URL): Promise<{ path: string; fragment: URLSearchParams }> {
    const res = await server.request('GET', `/v1/agents/sso/callback${back.search}`, {
      headers: { host: HOST },
    });
    assert.equal(res.status, 302, res.text);
    const location = new URL(String(res.headers.location), `http://${HOST}`);
    return {
      path: `${location.pathname}${location.search}`,
      fragment: new URLSearchParams(location.hash.slice(1)),
    };
  }

  async function refusedWith(back: URL, refusal: string): Promise<void> {
    const before = await agentCount();
    const landed = await callback(back);
    assert.equal(landed.fragment.get('ssoError'), refusal);
    assert.equal(landed.fragment.get('sso'), null);
    assert.equal(await agentCount(), before, 'a refused sign-in creates nobody');
  }

  it('settings: the issuer must be https (http only on loopback); clientSecret is never answered', async () => {
    for (const issuer of [
      'http://idp.example.com',
      'ftp://127.0.0.1',
      'https://idp.example.com/?x=1',
      'not a url',
    ]) {
      const res = await server.request('PUT', '/v1/settings', {
        headers: shop.asApp,
        body: { sso: { issuer } },
      });
      assertError(res, 400, /sso\.issuer/);
    }
    const put = await configure({ issuer: provider.issuer });
    assert.equal(put.body.settings.sso.issuer, provider.issuer);
    assert.equal(put.body.settings.sso.clientId, CLIENT.client_id);
    assert.equal('clientSecret' in put.body.settings.sso, false);
    const get = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: shop.asApp });
    assert.deepEqual(get.body.settings.sso, {
      issuer: provider.issuer,
      clientId: CLIENT.client_id,
      autoCreate: false,
      required: false,
      enabled: true,
    });
    assert.equal(get.text.includes(CLIENT.client_secret), false);
    // A first sso object needs the client's id and secret.
    const other = await createTestApp(server, 'Other');
    const partial = await server.request('PUT', '/v1/settings', {
      headers: other.asApp,
      body: { sso: { issuer: provider.issuer } },
    });
    assertError(partial, 400, /sso\.clientId|sso\.clientSecret/);
    // The browser learns whether to show the button, and nothing else.
    const flag = await expectStatus(server, 200, 'GET', '/v1/agents/sso', { headers: shop.asKey });
    assert.deepEqual(flag.body, { sso: { enabled: true, required: false } });
    const none = await expectStatus(server, 200, 'GET', '/v1/agents/sso', { headers: other.asKey });
    assert.deepEqual(none.body, { sso: { enabled: false, required: false } });
    const publicSettings = await expectStatus(server, 200, 'GET', '/v1/settings', { headers: shop.asKey });
    assert.equal(publicSettings.body.settings.sso, undefined);
    assertError(await server.request('GET', `/v1/agents/sso/start?appId=${other.id}`), 404);
    assertError(await server.request('GET', '/v1/agents/sso/start'), 400);
    assertError(await server.request('GET', '/v1/agents/sso/start?appId=nope'), 404);
    // A provider that cannot be reached: 503, and no pending login is left behind to use.
    await expectStatus(server, 200, 'PUT', '/v1/settings', {
      headers: other.asApp,
      body: { sso: { issuer: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y' } },
    });
    assertError(
      await server.request('GET', `/v1/agents/sso/start?appId=${other.id}`),
      503,
      /identity provider/,
    );
  });

  it('start sends the browser to the provider with the code flow, PKCE S256, state and nonce', async () => {
    const url = await startLogin();
    assert.equal(url.origin, provider.issuer);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('client_id'), CLIENT.client_id);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.match(url.searchParams.get('scope') ?? '', /\bopenid\b.*\bemail\b/);
    assert.ok((url.searchParams.get('state') ?? '').length >= 32);
    assert.ok((url.searchParams.get('nonce') ?? '').length >= 32);
  });

  it('round trip: the provider signs Ann in, the console gets a one-time code for her session', async () => {
    const back = await signInAtProvider((await startLogin()).href, 'ann');
    assert.ok(back.searchParams.get('code'));
    const landed = await callback(back);
    assert.equal(landed.path, `/console/?appId=${shop.id}`);
    const code = landed.fragment.get('sso');
    assert.ok(code, `no code: ${landed.fragment}`);
    // Tenancy: the code is the app's own; another app's page cannot use it (and does not spend it).
    const elsewhere = await createTestApp(server, 'Elsewhere');
    assertError(
      await server.request('POST', '/v1/agents/sso/session', { headers: elsewhere.asKey, body: { code } }),
      401,
    );
    const res = await expectStatus(server, 200, 'POST', '/v1/agents/sso/session', {
      headers: shop.asKey,
      body: { code },
    });
    assert.equal(res.body.user.contact, 'ann@shop.example');
    assert.equal(res.body.user.status, 'online');
    const me = await expectStatus(server, 200, 'GET', `/v1/agents/${res.body.user.id}`, {
      headers: shop.as(res.body.session.token),
    });
    assert.equal(me.body.agent.name, 'Ann');
    // The code is used once.
    assertError(
      await server.request('POST', '/v1/agents/sso/session', { headers: shop.asKey, body: { code } }),
      401,
    );
    // The callback's own URL, replayed, finds no login any more (its state was used).
    await refusedWith(back, 'expired');
  });

  it('autoCreate off refuses an unknown person; on, creates the agent in every room', async () => {
    await refusedWith(await signInAtProvider((await startLogin()).href, 'stranger'), 'unknown-agent');
    await configure({ autoCreate: true });
    const before = await agentCount();
    const landed = await callback(await signInAtProvider((await startLogin()).href, 'newbie'));
    const res = await expectStatus(server, 200, 'POST', '/v1/agents/sso/session', {
      headers: shop.asKey,
      body: { code: landed.fragment.get('sso') },
    });
    assert.equal(res.body.user.name, 'New Person');
    assert.equal(res.body.user.contact, 'newbie@shop.example');
    assert.deepEqual(res.body.user.rooms, [1]);
    assert.equal(await agentCount(), before + 1);
    // An e-mail the provider says is unverified is never trusted, autoCreate or not.
    await refusedWith(await signInAtProvider((await startLogin()).href, 'unverified'), 'email');
    await configure({ autoCreate: false });
  });

  it('required: true refuses password sign-in with 403; off again, passwords work', async () => {
    await configure({ required: true });
    const flag = await expectStatus(server, 200, 'GET', '/v1/agents/sso', { headers: shop.asKey });
    assert.deepEqual(flag.body, { sso: { enabled: true, required: true } });
    const login = () =>
      server.request('POST', '/v1/agents/login', {
        headers: shop.asKey,
        body: { contact: 'ann@shop.example', password: 'ann-password' },
      });
    assertError(await login(), 403, /single sign-on/);
    await configure({ enabled: false });
    assert.equal((await login()).status, 200);
    assertError(await server.request('GET', `/v1/agents/sso/start?appId=${shop.id}`), 404);
    await configure({ enabled: true, required: false });
  });

  it('a tampered state is refused, and the login it named stays unusable by anyone else', async () => {
    const back = await signInAtProvider((await startLogin()).href, 'ann');
    const tampered = new URL(back);
    tampered.searchParams.set('state', `${back.searchParams.get('state')}x`);
    await refusedWith(tampered, 'expired');
    const noState = new URL(back);
    noState.searchParams.delete('state');
    await refusedWith(noState, 'expired');
  });

  it('a wrong nonce (the authorization request altered on its way) is refused', async () => {
    const url = await startLogin();
    url.searchParams.set('nonce', randomBytes(32).toString('base64url'));
    await refusedWith(await signInAtProvider(url.href, 'ann'), 'refused');
  });

  it('an expired code and a code used before are refused', async () => {
    provider.codeTtl = 1;
    try {
      const back = await signInAtProvider((await startLogin()).href, 'ann');
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await refusedWith(back, 'refused');
    } finally {
      provider.codeTtl = 60;
    }
    // A code already traded, brought back with a fresh login's state.
    const used = await signInAtProvider((await startLogin()).href, 'ann');
    assert.ok((await callback(used)).fragment.get('sso'));
    const fresh = await signInAtProvider((await startLogin()).href, 'ann');
    const replay = new URL(fresh);
    replay.searchParams.set('code', used.searchParams.get('code') ?? '');
    await refusedWith(replay, 'refused');
  });

  it('an ID token the provider issued to another client is refused (audience), even with the right nonce', async () => {
    const url = await startLogin();
    // The other client's own login, with Switchboard's nonce: a valid, signed token for another audience.
    const verifier = randomBytes(32).toString('base64url');
    const theirs = new URL(url);
    theirs.searchParams.set('client_id', OTHER.client_id);
    theirs.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
    const theirBack = await signInAtProvider(theirs.href, 'ann');
    const token = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${OTHER.client_id}:${OTHER.client_secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: theirBack.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      }),
    });
    const idToken = ((await token.json()) as { id_token?: string }).id_token;
    assert.ok(idToken, 'the other client got its ID token');
    provider.swapNextIdToken(idToken);
    await refusedWith(await signInAtProvider(url.href, 'ann'), 'refused');
  });

  it("the provider's refusal (access_denied) comes back as a refusal", async () => {
    const url = await startLogin();
    const back = new URL(REDIRECT);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    back.searchParams.set('error', 'access_denied');
    await refusedWith(back, 'denied');
  });
});
