import { clock, dateTime } from '../src/lib/format.ts';
import type { Settings } from '../src/lib/sdk.ts';
import type { ChatView } from './model.ts';

/** Who the visitor is: name, contact, extraInfo, the chat's room, and the bot conversation imported before. */
export function VisitorPanel({ view, settings }: { view: ChatView; settings: Settings | undefined }) {
  const visitor = view.visitor;
  const room = settings?.rooms.find((r) => r.id === view.chat.room)?.name ?? `Room ${view.chat.room}`;
  const extra = Object.entries(visitor?.extraInfo ?? {});
  const history = view.chat.history ?? [];
  return (
    <aside class="console__visitor" aria-label="Visitor details">
      <h2 class="console__section-title">Visitor</h2>
      <dl class="console__facts">
        <dt>Name</dt>
        <dd>{visitor?.name || '—'}</dd>
        <dt>Contact</dt>
        <dd>{visitor?.contact || '—'}</dd>
        <dt>Room</dt>
        <dd>{room}</dd>
        <dt>Started</dt>
        <dd>{dateTime(view.chat.created)}</dd>
        {extra.map(([key, value]) => (
          <>
            <dt key={`k-${key}`}>{key}</dt>
            <dd key={`v-${key}`}>
              {value === '' || value === null
                ? '—'
                : typeof value === 'string'
                  ? value
                  : JSON.stringify(value)}
            </dd>
          </>
        ))}
      </dl>
      {history.length > 0 ? (
        <>
          <h3 class="console__section-title">Before this chat (bot)</h3>
          <ol class="sb-list console__history">
            {history.map((entry) => (
              <li key={`${entry.created}-${entry.message}`}>
                <span class="sb-meta">
                  {entry.sender === 'assistant' ? 'Bot' : 'Visitor'} · {clock(entry.created)}
                </span>
                <div>{entry.message}</div>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </aside>
  );
}
