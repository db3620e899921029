import { useEffect, useState } from 'preact/hooks';
import { suggestedAppId } from '../src/lib/app-id.ts';
import { describeError } from '../src/lib/hooks.ts';
import { SwitchboardError } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';
import type { AdminModel } from './model.ts';

/** Sign in with an app's id and secret (that app) or with the instance's admin key (apps). */
export function SignIn({ model, notice }: { model: AdminModel; notice?: string }) {
  const [mode, setMode] = useState<'app' | 'operator'>('app');
  const [appId, setAppId] = useState('');
  const [secret, setSecret] = useState('');
  const [adminKey, setAdminKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void suggestedAppId().then((id) => setAppId((current) => current || id));
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      if (mode === 'app') {
        if (!appId.trim() || !secret.trim()) throw new Error('Enter the App ID and the app secret.');
        await model.signInWithSecret(appId.trim(), secret.trim());
      } else {
        if (!adminKey.trim()) throw new Error('Enter the admin key.');
        await model.signInWithKey(adminKey.trim());
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
