import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { statusOf } from '../../../src/http/status.ts';
import {
  type CredentialLookup,
  checkBrowserOrigin,
  heldCredential,
  presentedCredentials,
  recheckCredential,
  resolvePrincipal,
} from '../../../src/policies/credentials.ts';
import { credentialLookup } from '../../../src/realtime/domain.ts';
import { DomainError } from '../../../src/util/errors.ts';
import { createTestApp, createUser, type Person, type TestApp } from '../../helpers/fixtures.ts';
import { describeEachStore, startServer, type TestServer } from '../../helpers/harness.ts';

/** The DomainError a promise or call fails with, as `status message`. */
async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DomainError) return `${statusOf(error)} ${error.message}`;
    throw error;
  }
  return 'accepted';
}

it('presented credentials: a header wins over the query; the query counts only where allowed', () => {
  const headers = { 'x-hyper-appid': 'app_h', 'x-hyper-token': '', 'x-hyper-admin': 'adm' };
  const query = { appId: 'app_q', token: 'tk_q', secret: 'sk_q', key: 'dk_q', admin: 'adm_q' };
  assert.deepEqual(presentedCredentials(headers, query), {
    admin: 'adm',
    appId: 'app_h',
    secret: 'sk_q',
    token: 'tk_q',
    key: undefined,
  });
  assert.deepEqual(presentedCredentials(headers), {
    admin: 'adm',
    appId: 'app_h',
    secret: undefined,
    token: undefined,
    key: undefined,
  });
  assert.equal(presentedCredentials({ 'x-hyper-appid': ['app_a', 'app_b'] }).appId, 'app_a');
});

describeEachStore('credential resolution (HTTP, realtime and stream alike)', (kind) => {
  let server: TestServer;
  let app: TestApp;
  let user: Person;
  let lookup: CredentialLookup;
  before(async () => {
    server = await startServer(kind);
    app = await createTestApp(server, 'Credentials', ['https://shop.example']);
    user = await createUser(server, app);
    lookup = credentialLookup(server.sb.ctx);
  });
  after(() => server.close());

  const resolve = (headers: Record<string, string>) =>
    resolvePrincipal(lookup, server.adminKey, presentedCredentials(headers));

  it('resolves each kind, and refuses wrong credentials with 401 without saying which part', async () => {
    assert.equal((await resolve({ 'x-hyper-admin': server.adminKey })).kind, 'admin');
    assert.equal((await resolve({})).kind, 'none');
    assert.equal((await resolve(app.asApp)).kind, 'secret');
    assert.equal((await resolve(app.asKey)).kind, 'public');
    const token = await resolve(app.as(user.token));
    assert.equal(token.kind === 'token' && token.user.id, user.id);
    const wrong = '401 Missing or invalid credentials';
    assert.equal(await refusal(() => resolve({ 'x-hyper-admin': 'nope' })), wrong);
    assert.equal(await refusal(() => resolve({ 'x-hyper-appid': 'app_nope' })), wrong);
    assert.equal(await refusal(() => resolve({ ...app.asAppId, 'x-hyper-secret': 'nope' })), wrong);
    assert.equal(await refusal(() => resolve(app.as('tk_nope'))), wrong);
    assert.equal(await refusal(() => resolve({ ...app.asAppId, 'x-hyper-key': 'nope' })), wrong);
  });

  it('holds browser credentials to the app’s domains', async () => {
    const browser = await resolve(app.asKey);
    assert.equal(
      await refusal(() => checkBrowserOrigin(browser, 'https://shop.example', 'sb.local')),
      'accepted',
    );
    assert.equal(await refusal(() => checkBrowserOrigin(browser, 'http://sb.local', 'sb.local')), 'accepted');
    assert.equal(
      await refusal(() => checkBrowserOrigin(browser, 'https://evil.example', 'sb.local')),
      '403 Origin is not one of the app’s domains',
    );
    assert.equal(
      await refusal(() => checkBrowserOrigin(browser, undefined, 'sb.local')),
      '403 Origin is required with a domain key',
    );
    const session = await resolve(app.as(user.token));
    assert.equal(await refusal(() => checkBrowserOrigin(session, undefined, 'sb.local')), 'accepted');
    assert.equal(
      await refusal(() => checkBrowserOrigin(session, 'https://evil.example', 'sb.local')),
      '403 Origin is not one of the app’s domains',
    );
    const appServer = await resolve(app.asApp);
    assert.equal(await refusal(() => checkBrowserOrigin(appServer, 'https://evil.example', 'x')), 'accepted');
  });

  it('re-checks a held credential: the actor afresh, or nothing once it no longer opens the app', async () => {
    const presented = presentedCredentials(app.as(user.token));
    const held = heldCredential(await resolvePrincipal(lookup, server.adminKey, presented), presented);
    assert.deepEqual(held, { kind: 'token', token: user.token });
    assert.equal((await recheckCredential(lookup, app.id, held))?.user?.id, user.id);
    assert.equal(await recheckCredential(lookup, app.id, { kind: 'token', token: 'tk_nope' }), undefined);
    assert.equal(
      (await recheckCredential(lookup, app.id, { kind: 'secret', secret: app.secret }))?.user,
      null,
    );
    assert.equal(await recheckCredential(lookup, app.id, { kind: 'secret', secret: 'nope' }), undefined);
    assert.equal(
      await recheckCredential(lookup, 'app_gone', { kind: 'secret', secret: app.secret }),
      undefined,
    );
  });
});
