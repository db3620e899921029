import { useState } from 'preact/hooks';
import { describeError } from '../src/lib/hooks.ts';
import type { Client } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';

/** The longest grace the server gives an old secret (docs/security.md, "App secret rotation"). */
const MAX_GRACE = 86_400;

/**
 * Rotating the app secret: a new secret, shown once with a copy button; the old one keeps working
 * for the grace period so the app's servers can be updated (docs/security.md).
 */
export function AppSecretPanel({
  client,
  appId,
  onRotated,
}: {
  client: Client;
  appId: string;
  /** Told the new secret (the page signed in with the old one carries on with it). */
  onRotated: (secret: string) => void;
}) {
  const [grace, setGrace] = useState('3600');
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  async function rotate(event: Event) {
    event.preventDefault();
    setError(undefined);
    const seconds = grace.trim() === '' ? 0 : Number(grace);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_GRACE) {
      setError(`Grace period: a whole number of seconds from 0 to ${MAX_GRACE.toLocaleString('en')}.`);
      return;
    }
    try {
      const rotated = await client.apps.rotate(appId, { graceSeconds: seconds });
      setSecret(rotated.secret);
      setCopied(false);
      onRotated(rotated.secret);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  async function copy() {
    if (!secret) return;
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      setError('Copying was refused by the browser: select the secret and copy it by hand.');
    }
  }

  return (
    <section class="admin__section sb-card admin__form admin__secret-panel" aria-labelledby="secret-title">
      <h3 id="secret-title">App secret</h3>
      <p class="sb-hint">
        Rotating gives the app a new secret. The servers and tools that use the current one must be updated:
        it keeps working for the grace period only, then it is refused.
      </p>
      {secret ? (
        <div class="sb-card admin__secret" role="status" aria-label="New app secret">
          <p>
            The new secret, shown only once. Copy it now and update every server that uses the app secret
            before the grace period ends.
          </p>
          <code class="admin__secret-value">{secret}</code>
          <div class="admin__buttons">
            <Button variant="secondary" small onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
            <Button variant="secondary" small onClick={() => setSecret(undefined)}>
              Done
            </Button>
          </div>
        </div>
      ) : null}
      <form class="admin__row" onSubmit={rotate} aria-label="Rotate the app secret">
        <Field
          label="Grace period (seconds)"
          hint="How long the old secret keeps working: 0 to 86,400 (a day)"
          inputMode="numeric"
          value={grace}
          onInput={(e) => setGrace(e.currentTarget.value)}
        />
        <Button type="submit">Rotate secret</Button>
      </form>
      <ErrorNote message={error} />
    </section>
  );
}
