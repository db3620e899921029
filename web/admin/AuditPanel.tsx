import { useEffect, useState } from 'preact/hooks';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import type { AuditEntry, Client, QueryOf } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field, SelectField } from '../src/ui/index.ts';
import {
  ACTIONS,
  ACTOR_KINDS,
  dayBound,
  describeAction,
  describeActor,
  describeChanges,
  describeTarget,
} from './audit-format.ts';

type Query = NonNullable<QueryOf<'/v1/audit', 'get'>>;
const PAGE = 50;

interface Filters {
  actor: string;
  action: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { actor: '', action: '', from: '', to: '' };

function queryOf(filters: Filters): Query {
  const since = dayBound(filters.from, false);
  const until = dayBound(filters.to, true);
  return {
    limit: PAGE,
    ...(filters.actor ? { actor: filters.actor } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

/** The audit log (docs/security.md): who changed what and when, filtered, newest first, page by page. */
export function AuditPanel({ client }: { client: Client }) {
  const agents = useLoad(() => client.agents.list(), [client]);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);

  async function load(cursor?: string) {
    setLoading(true);
    setError(undefined);
    try {
      const page = await client.audit.list({ ...queryOf(filters), ...(cursor ? { cursor } : {}) });
      setEntries((shown) => (cursor ? [...shown, ...page.entries] : page.entries));
      setNext(page.next);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    void load();
  }, [client, filters]);

  const nameOf = (id: string) => agents.data?.agents.find((agent) => agent.id === id)?.name;
  const set = (key: keyof Filters) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setFilters({ ...filters, [key]: e.currentTarget.value });
  return (
    <section class="admin__section" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit</h2>
      <p class="sb-hint">
        Every change to settings, agents, webhooks, canned responses, opening hours and the app, and every
        sign-in. Secrets and passwords are never shown, only that they changed.
      </p>
      <form class="admin__filters" aria-label="Audit filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Actor" value={filters.actor} onChange={set('actor')}>
          <option value="">Anyone</option>
          {ACTOR_KINDS.map(([kind, name]) => (
            <option key={kind} value={kind}>
              {name}
            </option>
          ))}
          {agents.data?.agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Action" value={filters.action} onChange={set('action')}>
          <option value="">Every action</option>
          {ACTIONS.map(([action, name]) => (
            <option key={action} value={action}>
              {name}
            </option>
          ))}
        </SelectField>
        <Field label="From" type="date" value={filters.from} onInput={set('from')} />
        <Field label="To" type="date" value={filters.to} onInput={set('to')} />
        <Button variant="secondary" small onClick={() => setFilters(NO_FILTERS)}>
          Clear filters
        </Button>
      </form>
      <ErrorNote message={error} />
      <table class="sb-table admin__audit" aria-label="Audit log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Changes</th>
            <th scope="col">Address</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td>
                <time dateTime={new Date(entry.at * 1000).toISOString()}>
                  {new Date(entry.at * 1000).toLocaleString()}
                </time>
              </td>
              <td>{describeActor(entry.actor)}</td>
              <td>{describeAction(entry.action)}</td>
              <td>{describeTarget(entry.target, nameOf)}</td>
              <td>
                <ul class="admin__changes">
                  {describeChanges(entry.changes).map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              </td>
              <td>{entry.ip ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!loading && entries.length === 0 && !error ? (
        <p role="status">No entries match these filters.</p>
      ) : null}
      {next ? (
        <Button variant="secondary" disabled={loading} onClick={() => void load(next)}>
          Load more
        </Button>
      ) : null}
    </section>
  );
}
