import { useState } from 'preact/hooks';
import { dateTime } from '../src/lib/format.ts';
import { describeError, useLoad } from '../src/lib/hooks.ts';
import type { Client, QueryOf } from '../src/lib/sdk.ts';
import { Button, ErrorNote, Field } from '../src/ui/index.ts';

type Status = NonNullable<QueryOf<'/v1/webhooks/{id}/deliveries', 'get'>['status']>;
const STATUSES = ['pending', 'delivered', 'failed'] as const satisfies readonly Status[];

/** A webhook's deliveries (status, attempts, answer, latency), each with its attempts; retry and recover. */
export function DeliveryLog({ client, webhookId }: { client: Client; webhookId: string }) {
  const [filter, setFilter] = useState<Status | ''>('');
  const log = useLoad(
    () => client.webhooks.deliveries(webhookId, filter ? { status: filter } : {}),
    [client, webhookId, filter],
    5000,
  );
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [note, setNote] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [since, setSince] = useState(() =>
    new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 16),
  );

  async function act(action: () => Promise<string>) {
    setError(undefined);
    setNote(undefined);
    try {
      setNote(await action());
      await log.reload();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <section class="admin__log" aria-label="Delivery log">
      <div class="admin__log-tools">
        <label class="sb-field">
          <span>Show</span>
          <select
            class="sb-select"
            value={filter}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setFilter(STATUSES.find((status) => status === value) ?? '');
            }}
          >
            <option value="">all</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <Button small variant="secondary" onClick={() => void log.reload()}>
          Refresh
        </Button>
        <Field
          label="Failed since"
          type="datetime-local"
          value={since}
          onInput={(e) => setSince(e.currentTarget.value)}
        />
        <Button
          small
          variant="secondary"
          onClick={() =>
            act(async () => {
              const at = Math.floor(new Date(since).getTime() / 1000);
              const result = await client.webhooks.recover(webhookId, { since: at });
              return `${result.queued} failed deliveries queued again.`;
            })
          }
        >
          Recover
        </Button>
      </div>
      <ErrorNote message={log.error ?? error} />
      {note ? <p role="status">{note}</p> : null}
      <table class="sb-table">
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Answer</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span class="sb-visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {log.data?.deliveries.map((delivery) => (
            <>
              <tr key={delivery.id} class="admin__delivery">
                <td>{delivery.trigger}</td>
                <td>
                  <span class={`admin__delivery-status admin__delivery-status--${delivery.status}`}>
                    {delivery.status}
                  </span>
                </td>
                <td>{delivery.attempts}</td>
                <td>{delivery.lastStatus ?? delivery.lastError ?? '—'}</td>
                <td>{dateTime(delivery.created)}</td>
                <td class="admin__buttons">
                  <Button
                    small
                    variant="secondary"
                    aria-expanded={open === delivery.id}
                    onClick={() => setOpen(open === delivery.id ? undefined : delivery.id)}
                  >
                    Attempts
                  </Button>
                  <Button
                    small
                    variant="secondary"
                    aria-label={`Retry ${delivery.trigger} delivery`}
                    onClick={() =>
                      act(async () => {
                        await client.webhooks.retry(webhookId, delivery.id);
                        return `The ${delivery.trigger} delivery is queued again.`;
                      })
                    }
                  >
                    Retry
                  </Button>
                </td>
              </tr>
              {open === delivery.id ? (
                <tr key={`${delivery.id}-attempts`}>
                  <td colSpan={6}>
                    <Attempts client={client} webhookId={webhookId} deliveryId={delivery.id} />
                  </td>
                </tr>
              ) : null}
            </>
          ))}
        </tbody>
      </table>
      {log.data?.deliveries.length === 0 ? <p class="sb-hint">No deliveries.</p> : null}
    </section>
  );
}

function Attempts({
  client,
  webhookId,
  deliveryId,
}: {
  client: Client;
  webhookId: string;
  deliveryId: string;
}) {
  const detail = useLoad(
    () => client.webhooks.delivery(webhookId, deliveryId),
    [client, webhookId, deliveryId],
  );
  if (detail.error) return <ErrorNote message={detail.error} />;
  return (
    <table class="sb-table admin__attempts" aria-label="Attempts">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">HTTP status</th>
          <th scope="col">Latency</th>
          <th scope="col">Response</th>
        </tr>
      </thead>
      <tbody>
        {detail.data?.attempts.map((attempt) => (
          <tr key={attempt.id}>
            <td>{dateTime(attempt.created)}</td>
            <td>{attempt.status ?? attempt.error ?? '—'}</td>
            <td>{attempt.duration} ms</td>
            <td>
              <code class="admin__response">{attempt.response || attempt.error || ''}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
