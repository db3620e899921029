import { useEffect, useState } from 'preact/hooks';
import { suggestedAppId } from '../src/lib/app-id.ts';
import { createClient, SwitchboardError } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';
import type { SavedSession } from './model.ts';

/** Contact + password to the app named by ?appId= or typed in "App ID" (prefilled when the server has one app). */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: SavedSession) => void; notice?: string }) {
  const [appId, setAppId] = useState('');
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void suggestedAppId().then((id) => setAppId((current) => current || id));
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    if (!appId.trim()) return setError('Enter the App ID of your team’s app.');
    setBusy(true);
    try {
      // An app with auth.requireDomainKey needs its domain key for the public login: ?key= in the URL.
      const domainKey = new URLSearchParams(location.search).get('key') ?? undefined;
      const client = createClient({
        baseUrl: location.origin,
        appId: appId.trim(),
        ...(domainKey ? { domainKey } : {}),
      });
      const result = await client.agents.login({ contact: contact.trim(), password });
      onSignedIn({
        baseUrl: location.origin,
        appId: appId.trim(),
        token: result.session.token,
        agent: result.user,
      });
    } catch (failure) {
      setError(signInError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sb-app console-signin">
      <form class="sb-card console-signin__card" onSubmit={submit} noValidate>
        <h1>Agent console</h1>
        <p class="sb-hint">Sign in to answer your team’s chats.</p>
        {notice ? (
          <p class="sb-banner" role="status">
            {notice}
          </p>
        ) : null}
        <Field
          label="App ID"
          name="appId"
          value={appId}
          onInput={(e) => setAppId(e.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          value={contact}
          onInput={(e) => setContact(e.currentTarget.value)}
          autocomplete="username"
          required
        />
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          autocomplete="current-password"
          required
        />
        <ErrorNote message={error} />
        <Button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </main>
  );
}

function signInError(error: unknown): string {
  if (error instanceof SwitchboardError) {
    if (error.status === 401) return 'Wrong email or password (or App ID).';
    if (error.status === 403) return `This app does not allow signing in from here: ${error.message}`;
    if (error.status === 400) return 'Enter your email and password.';
    if (error.status === 429) return 'Too many attempts. Wait a moment and try again.';
    if (error.status === 0) return 'The server cannot be reached. Check your connection and try again.';
    return error.message;
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return String(error);
}
