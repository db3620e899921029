import { useEffect, useState } from 'preact/hooks';
import { suggestedAppId } from '../src/lib/app-id.ts';
import { describeError } from '../src/lib/hooks.ts';
import { SwitchboardError } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';
import { type AdminModel, NotAnAdmin } from './model.ts';

/**
 * Sign in to an app — as an admin person (Email and Password) or with the app's secret (operators,
 * tools) — or with the instance's admin key (apps). One button: a filled Email or Password means the
 * person, else the secret.
 */
export function SignIn({ model, notice }: { model: AdminModel; notice?: string }) {
  const [mode, setMode] = useState<'app' | 'operator'>('app');
  const [appId, setAppId] = useState('');
  const [secret, setSecret] = useState('');
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
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
        const person = contact.trim() !== '' || password !== '';
        if (!appId.trim()) throw new Error('Enter the App ID.');
        if (person) {
          if (!contact.trim() || !password) throw new Error('Enter your email and password.');
          await model.signInAsPerson(appId.trim(), contact.trim(), password);
        } else {
          if (!secret.trim()) throw new Error('Enter your email and password, or the app secret.');
          await model.signInWithSecret(appId.trim(), secret.trim());
        }
      } else {
        if (!adminKey.trim()) throw new Error('Enter the admin key.');
        await model.signInWithKey(adminKey.trim());
      }
    } catch (failure) {
      setError(
        failure instanceof NotAnAdmin
          ? failure.message
          : failure instanceof SwitchboardError && (failure.status === 401 || failure.status === 404)
            ? mode === 'operator'
              ? 'Wrong admin key.'
              : contact.trim() !== '' || password !== ''
                ? 'Wrong App ID, email or password.'
                : 'Wrong App ID or secret.'
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
            <input type="radio" name="mode" checked={mode === 'app'} onChange={() => setMode('app')} /> An app
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
            <fieldset class="admin-signin__group">
              <legend>An admin of the team</legend>
              <Field
                label="Email"
                name="email"
                type="email"
                value={contact}
                onInput={(e) => setContact(e.currentTarget.value)}
                autocomplete="username"
              />
              <Field
                label="Password"
                name="password"
                type="password"
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                autocomplete="current-password"
              />
            </fieldset>
            <fieldset class="admin-signin__group">
              <legend>Or the app secret (operators, tools)</legend>
              <Field
                label="App secret"
                type="password"
                value={secret}
                onInput={(e) => setSecret(e.currentTarget.value)}
                autocomplete="off"
              />
            </fieldset>
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
