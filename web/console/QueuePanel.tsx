import { since } from '../src/lib/format.ts';
import type { Chat, Settings } from '../src/lib/sdk.ts';

/** The waiting chats of the agent's rooms, with their positions (1 = next). */
export function QueuePanel({
  queue,
  settings,
  names,
}: {
  queue: Chat[];
  settings: Settings | undefined;
  names: Record<string, string>;
}) {
  const roomName = (id: number) => settings?.rooms.find((r) => r.id === id)?.name ?? `Room ${id}`;
  return (
    <section class="console__section">
      <h2 class="console__section-title">Queue ({queue.length})</h2>
      {queue.length === 0 ? <p class="sb-hint">Nobody is waiting.</p> : null}
      <ol class="sb-list console__queue" aria-label="Queue">
        {queue.map((chat, index) => (
          <li key={chat.id} class="console__queue-item">
            <span class="console__queue-position">#{(chat.queuePosition ?? index) + 1}</span>
            <span class="console__queue-name">
              {names[chat.id] ?? 'Visitor'}
              <span class="sb-hint console__queue-meta">
                {roomName(chat.room)} · waiting {since(chat.created)}
              </span>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
