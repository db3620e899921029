import { useEffect, useState } from 'preact/hooks';
import { suggestedAppId } from '../src/lib/app-id.ts';
import { createClient, SwitchboardError } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';
import type { SavedSession } from './model.ts';
import { finishSso, leaveForProvider, returningTarget, ssoOf, ssoRefusal, takeSsoReturn } from './sso.ts';

/** Contact + password to the app named by ?appId= or typed in "App ID" (prefilled when the server has one app). */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: SavedSession) => void; notice?: string }) {
  const [appId, setAppId] = useState('');
  const [contact, setContact] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<{ enabled: boolean; required: boolean } | undefined>(undefined);
  useEffect(() => {
    void suggestedAppId().then((id) => setAppId((current) => current || id));
  }, []);
  // Back from the provider: the fragment holds a one-time code for the session, or why not.
  useEffect(() => {
    const back = takeSsoReturn();
    if (!back) return;
    const target = returningTarget();
    if ('error' in back || !target) return setError(ssoRefusal('error' in back ? back.error : ''));
    setBusy(true);
    finishSso(target, back.code)
      .then(onSignedIn)
      .catch((failure: unknown) => setError(signInError(failure)))
      .finally(() => setBusy(false));
  }, []);
  // Whether this app offers "Sign in with SSO", asked again when the App ID changes.
  useEffect(() => {
    const id = appId.trim();
    setSso(undefined);
    if (!id) return;
    let current = true;
    const timer = setTimeout(() => {
      void ssoOf({ appId: id, domainKey: domainKeyOfPage() }).then((found) => current && setSso(found));
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [appId]);

  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    if (!appId.trim()) return setError('Enter the App ID of your team’s app.');
    setBusy(true);
    try {
      const domainKey = domainKeyOfPage();
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
        {sso?.enabled ? (
          <Button
            variant={sso.required ? 'primary' : 'secondary'}
            disabled={busy}
            onClick={() => leaveForProvider({ appId: appId.trim(), domainKey: domainKeyOfPage() })}
          >
            Sign in with SSO
          </Button>
        ) : null}
        {sso?.required ? (
          <p class="sb-hint">Your team signs in with its identity provider.</p>
        ) : (
          <PasswordFields
            contact={contact}
            password={password}
            onContact={setContact}
            onPassword={setPassword}
          />
        )}
        <ErrorNote message={error} />
        {sso?.required ? null : (
          <Button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </Button>
        )}
      </form>
    </main>
  );
}

/** An app with auth.requireDomainKey needs its domain key for the public routes: ?key= in the URL. */
function domainKeyOfPage(): string | undefined {
  return new URLSearchParams(location.search).get('key') ?? undefined;
}

function PasswordFields(props: {
  contact: string;
  password: string;
  onContact: (value: string) => void;
  onPassword: (value: string) => void;
}) {
  return (
    <>
      <Field
        label="Email"
        name="email"
        type="email"
        value={props.contact}
        onInput={(e) => props.onContact(e.currentTarget.value)}
        autocomplete="username"
        required
      />
      <Field
        label="Password"
        name="password"
        type="password"
        value={props.password}
        onInput={(e) => props.onPassword(e.currentTarget.value)}
        autocomplete="current-password"
        required
      />
    </>
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
