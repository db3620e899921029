import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../src/lib/hooks.ts';
import { type Client, createClient, SwitchboardError } from '../src/lib/sdk.ts';
import type { App } from '../src/lib/types.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';

export type AdminSession =
  | { kind: 'app'; client: Client; app: App; appId: string; secret: string }
  | { kind: 'operator'; client: Client; adminKey: string };

/** Sign in with an app's id and secret (that app) or with the instance's admin key (apps). */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: AdminSession) => void; notice?: string }) {
  const [mode, setMode] = useState<'app' | 'operator'>('app');
  const [appId, setAppId] = useState('');
  const [secret, setSecret] = useState('');
  const [adminKey, setAdminKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const fromUrl = new URLSearchParams(location.search).get('appId');
    if (fromUrl) return setAppId(fromUrl);
    fetch('/console/app.json')
      .then((r) => (r.ok ? (r.json() as Promise<{ appId: string | null }>) : { appId: null }))
      .then((body) => setAppId((current) => current || body.appId || ''))
      .catch(() => {});
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      if (mode === 'app') {
        if (!appId.trim() || !secret.trim()) throw new Error('Enter the App ID and the app secret.');
        const client = createClient({ baseUrl: location.origin, appId: appId.trim(), secret: secret.trim() });
        const { app } = await client.request<{ app: App }>(
          'GET',
          `/apps/${encodeURIComponent(appId.trim())}`,
        );
        onSignedIn({ kind: 'app', client, app, appId: app.id, secret: secret.trim() });
      } else {
        if (!adminKey.trim()) throw new Error('Enter the admin key.');
        const client = adminClient(adminKey.trim());
        await client.request('GET', '/apps');
        onSignedIn({ kind: 'operator', client, adminKey: adminKey.trim() });
      }
    } catch (failure) {
      setError(
        failure instanceof SwitchboardError && (failure.status === 401 || failure.status === 404)
          ? mode === 'app'
            ? 'Wrong App ID or secret.'
            : 'Wrong admin key.'
          : describeError(failure),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sb-app admin-signin">
      <form class="sb-card admin-signin__card" onSubmit={submit} noValidate>
        <h1>Switchboard admin</h1>
        {notice ? (
          <p class="sb-banner" role="status">
            {notice}
          </p>
        ) : null}
        <fieldset class="admin-signin__mode">
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'app'} onChange={() => setMode('app')} /> App
            secret
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              checked={mode === 'operator'}
              onChange={() => setMode('operator')}
            />{' '}
            Admin key
          </label>
        </fieldset>
        {mode === 'app' ? (
          <>
            <Field
              label="App ID"
              value={appId}
              onInput={(e) => setAppId(e.currentTarget.value)}
              autocomplete="off"
              spellcheck={false}
            />
            <Field
              label="App secret"
              type="password"
              value={secret}
              onInput={(e) => setSecret(e.currentTarget.value)}
              autocomplete="off"
            />
          </>
        ) : (
          <Field
            label="Admin key"
            type="password"
            value={adminKey}
            onInput={(e) => setAdminKey(e.currentTarget.value)}
            autocomplete="off"
          />
        )}
        <ErrorNote message={error} />
        <Button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
        <p class="sb-hint">Credentials stay in this page’s memory only: reloading signs you out.</p>
      </form>
    </main>
  );
}

/** The operator's client: the admin key travels as `x-hyper-admin` (docs/conventions.md). */
export function adminClient(adminKey: string): Client {
  return createClient({ baseUrl: location.origin, appId: '', adminKey });
}
