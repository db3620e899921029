import { since } from '../src/lib/format.ts';
import { useLoad } from '../src/lib/hooks.ts';
import { type Client, readSettings } from '../src/lib/sdk.ts';
import { ErrorNote } from '../src/ui/index.ts';

/** Queues and agents online, re-read every 3 s while the tab is visible. */
export function LivePanel({ client }: { client: Client }) {
  const live = useLoad(
    async () => {
      const [queues, agents, settings] = await Promise.all([
        client.queues.status(),
        client.agents.list(),
        readSettings(client),
      ]);
      return { queues: queues.queues, agents: agents.agents, rooms: settings.rooms };
    },
    [client],
    3000,
  );
  const data = live.data;
  const online = data?.agents.filter((a) => a.status !== 'offline') ?? [];
  return (
    <section class="admin__section" aria-labelledby="live-title">
      <h2 id="live-title">Live</h2>
      <ErrorNote message={live.error} />
      <h3>Queues</h3>
      <table class="sb-table" aria-label="Queues">
        <thead>
          <tr>
            <th scope="col">Room</th>
            <th scope="col">Waiting</th>
            <th scope="col">Oldest wait</th>
            <th scope="col">Agents online</th>
            <th scope="col">With a free slot</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(data?.queues ?? {}).map(([room, q]) => (
            <tr key={room}>
              <td>{data?.rooms.find((r) => String(r.id) === room)?.name ?? `Room ${room}`}</td>
              <td>{q.waiting}</td>
              <td>{q.oldestWait !== null ? since(Date.now() / 1000 - q.oldestWait) : '—'}</td>
              <td>{q.agentsOnline}</td>
              <td>{q.agentsAvailable}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Agents online ({online.length})</h3>
      <ul class="sb-list admin__online" aria-label="Agents online">
        {online.map((agent) => (
          <li key={agent.id}>
            <span class={`admin__status admin__status--${agent.status}`}>{agent.status}</span> {agent.name}{' '}
            <span class="sb-hint">
              {agent.chats.length} / {agent.maxChats} chats
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
