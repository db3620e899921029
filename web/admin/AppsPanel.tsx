import { useState } from 'preact/hooks';
import { dateTime } from '../src/lib/format.ts';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import type { App, Client, ResponseOf } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';

type Created = ResponseOf<'/v1/apps', 'post'>;

/** The operator's view (admin key): every app, and creating one (its secret is shown once). */
export function AppsPanel({
  client,
  onOpen,
}: {
  client: Client;
  onOpen: (app: App, secret: string) => void;
}) {
  const apps = useLoad(() => client.apps.list(), [client]);
  const [name, setName] = useState('');
  const [domains, setDomains] = useState('');
  const [created, setCreated] = useState<Created | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  async function create(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      const list = domains
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const result = await client.apps.create({
        name: name.trim(),
        ...(list.length ? { domains: list } : {}),
      });
      setCreated(result);
      setName('');
      setDomains('');
      await apps.reload();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <section class="admin__section" aria-labelledby="apps-title">
      <h2 id="apps-title">Apps</h2>
      <ErrorNote message={apps.error} />
      <table class="sb-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">App ID</th>
            <th scope="col">Domains</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {apps.data?.apps.map((app) => (
            <tr key={app.id}>
              <td>{app.name}</td>
              <td>
                <code>{app.id}</code>
              </td>
              <td>
                {app.domains.length ? app.domains.join(', ') : <span class="sb-hint">any (none listed)</span>}
              </td>
              <td>{dateTime(app.created)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="admin__form sb-card" onSubmit={create}>
        <h3>New app</h3>
        <Field label="Name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <Field
          label="Domains"
          hint="Comma-separated, e.g. shop.example.com, *.example.org"
          value={domains}
          onInput={(e) => setDomains(e.currentTarget.value)}
        />
        <ErrorNote message={error} />
        <Button type="submit">Create app</Button>
      </form>
      {created ? (
        <div class="sb-card admin__secret" role="status">
          <h3>“{created.app.name}” created</h3>
          <p>Copy the secret now: it is shown only once.</p>
          <dl class="admin__facts">
            <dt>App ID</dt>
            <dd>
              <code>{created.app.id}</code>
            </dd>
            <dt>Secret</dt>
            <dd>
              <code>{created.secret}</code>
            </dd>
            <dt>Domain key</dt>
            <dd>
              <code>{created.domainKey}</code>
            </dd>
          </dl>
          <Button onClick={() => onOpen(created.app, created.secret)}>Manage this app</Button>
        </div>
      ) : null}
    </section>
  );
}
