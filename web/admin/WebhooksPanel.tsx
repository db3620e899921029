import { useState } from 'preact/hooks';
import { dateTime } from '../src/lib/format.ts';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import { type Client, TRIGGERS } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';
import { DeliveryLog } from './DeliveryLog.tsx';

/** Webhooks: register (with the handshake), events, rotate the secret, pause and resume, the delivery log. */
export function WebhooksPanel({ client }: { client: Client }) {
  const hooks = useLoad(() => client.webhooks.list(), [client]);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [secret, setSecret] = useState<{ label: string; value: string } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  async function act(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
      await hooks.reload();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <section class="admin__section" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <ErrorNote message={hooks.error ?? error} />
      {secret ? (
        <div class="sb-card admin__secret" role="status">
          <p>{secret.label} Copy the signing secret now: it is shown only once.</p>
          <code class="admin__secret-value">{secret.value}</code>{' '}
          <Button variant="secondary" small onClick={() => setSecret(undefined)}>
            Done
          </Button>
        </div>
      ) : null}
      {hooks.data?.webhooks.length === 0 ? <p class="sb-hint">No webhook yet.</p> : null}
      <ul class="sb-list admin__webhooks">
        {hooks.data?.webhooks.map((hook) => (
          <li key={hook.id} class="admin__webhook">
            <div class="admin__webhook-head">
              <code class="admin__target">{hook.target}</code>
              <span class={`admin__status admin__status--${hook.active ? 'online' : 'offline'}`}>
                {hook.active ? 'active' : 'paused'}
              </span>
              {hook.disabledReason ? <span class="sb-hint">{hook.disabledReason}</span> : null}
            </div>
            <p class="sb-hint">
              {hook.events.join(', ')} · since {dateTime(hook.created)}
            </p>
            <div class="admin__buttons">
              <Button
                small
                variant="secondary"
                aria-expanded={open === hook.id}
                onClick={() => setOpen(open === hook.id ? undefined : hook.id)}
              >
                Deliveries
              </Button>
              <Button
                small
                variant="secondary"
                onClick={() => act(() => client.webhooks.update(hook.id, { active: !hook.active }))}
              >
                {hook.active ? 'Pause' : 'Resume'}
              </Button>
              <Button
                small
                variant="secondary"
                onClick={() =>
                  act(async () => {
                    const result = await client.webhooks.rotate(hook.id);
                    setSecret({
                      label: 'New secret (the old one keeps signing for 24 h).',
                      value: result.secret,
                    });
                  })
                }
              >
                Rotate secret
              </Button>
              <Button
                small
                variant="danger"
                onClick={() => {
                  if (confirm(`Delete the webhook to ${hook.target}?`))
                    void act(() => client.webhooks.delete(hook.id));
                }}
              >
                Delete
              </Button>
            </div>
            {open === hook.id ? <DeliveryLog client={client} webhookId={hook.id} /> : null}
          </li>
        ))}
      </ul>
      <RegisterWebhook
        client={client}
        onRegistered={async (value) => {
          setSecret({ label: 'Webhook registered.', value });
          await hooks.reload();
        }}
      />
    </section>
  );
}

function RegisterWebhook({
  client,
  onRegistered,
}: {
  client: Client;
  onRegistered: (secret: string) => Promise<void>;
}) {
  const [target, setTarget] = useState('');
  const [events, setEvents] = useState<string[]>(['chats:create', 'messages:new', 'chats:close']);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  async function register(event: Event) {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const result = await client.webhooks.create({ target: target.trim(), events });
      setTarget('');
      await onRegistered(result.secret);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="admin__form sb-card" onSubmit={register} aria-label="Register a webhook">
      <h3>Register a webhook</h3>
      <Field
        label="Target URL"
        type="url"
        value={target}
        onInput={(e) => setTarget(e.currentTarget.value)}
        hint="It must answer the X-Hook-Secret handshake."
      />
      <fieldset class="admin__events">
        <legend>Events</legend>
        {TRIGGERS.map((trigger) => (
          <label key={trigger} class="admin__check">
            <input
              type="checkbox"
              checked={events.includes(trigger)}
              onChange={(e) =>
                setEvents(
                  e.currentTarget.checked ? [...events, trigger] : events.filter((t) => t !== trigger),
                )
              }
            />{' '}
            {trigger}
          </label>
        ))}
      </fieldset>
      <ErrorNote message={error} />
      <Button type="submit" disabled={busy}>
        {busy ? 'Registering…' : 'Register webhook'}
      </Button>
    </form>
  );
}
