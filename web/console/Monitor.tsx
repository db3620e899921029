import { useEffect, useRef, useState } from 'preact/hooks';
import { since } from '../src/lib/format.ts';
import type { Message, Settings } from '../src/lib/sdk.ts';
import { Button, Icon } from '../src/ui/index.ts';
import './monitor.css';
import { MessageItem } from './MessageItem.tsx';
import type { ConsoleModel } from './model.ts';
import type { ConsoleState, MonitorRow } from './state.ts';

/**
 * The Monitor (supervisors and admins; docs/web.md, "Monitor"): the open chats of the rooms, live —
 * waiting time ticking, the agents, the last line — with "Watch", "Stop watching" and "Intervene";
 * a watched chat opens read-only beside the list, with a composer that only writes internal notes.
 */
export function MonitorView({ model, state }: { model: ConsoleModel; state: ConsoleState }) {
  const { monitor, settings, names } = state;
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const open = monitor.open ? monitor.rows.find((row) => row.chat.id === monitor.open) : undefined;
  return (
    <div class="monitor">
      <section class="monitor__list console__section" aria-label="Open chats">
        <h2 class="console__section-title">Open chats ({monitor.rows.length})</h2>
        {monitor.loaded && monitor.rows.length === 0 ? (
          <p class="sb-hint">No open chats in your rooms.</p>
        ) : null}
        <ul class="sb-list monitor__rows">
          {monitor.rows.map((row) => (
            <MonitorItem
              key={row.chat.id}
              model={model}
              row={row}
              watching={monitor.watching.includes(row.chat.id)}
              shown={monitor.open === row.chat.id}
              settings={settings}
              names={names}
            />
          ))}
        </ul>
      </section>
      {open && monitor.watching.includes(open.chat.id) ? (
        <Watched model={model} row={open} messages={monitor.transcripts[open.chat.id] ?? []} names={names} />
      ) : (
        <div class="console__empty monitor__empty">
          <h2>No chat watched</h2>
          <p class="sb-hint">Watch a chat to follow it live. Neither the visitor nor the agent is told.</p>
        </div>
      )}
    </div>
  );
}

interface ItemProps {
  model: ConsoleModel;
  row: MonitorRow;
  watching: boolean;
  shown: boolean;
  settings: Settings | undefined;
  names: Record<string, string>;
}

function MonitorItem({ model, row, watching, shown, settings, names }: ItemProps) {
  const { chat } = row;
  const room = settings?.rooms.find((r) => r.id === chat.room)?.name ?? `Room ${chat.room}`;
  const listed: ReadonlyArray<string | { id: string }> = chat.users;
  const agents = listed
    .map((user) => (typeof user === 'string' ? user : user.id))
    .filter((id) => id !== chat.creator)
    .map((id) => names[id] ?? 'Agent');
  return (
    <li class={`monitor__row${shown ? ' monitor__row--shown' : ''}`} aria-label={`Chat with ${row.visitor}`}>
      <div class="monitor__who">
        <strong>{row.visitor}</strong>
        <span class="sb-hint">
          {room} ·{' '}
          {chat.status === 'waiting' ? (
            <span class="monitor__waiting">waiting {since(chat.created)}</span>
          ) : (
            <>agent: {agents.join(', ') || '—'}</>
          )}
          {watching ? <span class="monitor__badge">watching</span> : null}
        </span>
      </div>
      <p class="monitor__last">
        {row.last ? lastLine(row.last) : <span class="sb-hint">No messages yet.</span>}
      </p>
      <div class="monitor__actions">
        {watching ? (
          <>
            {!shown ? (
              <Button variant="secondary" small onClick={() => model.monitor.open(chat.id)}>
                Show
              </Button>
            ) : null}
            <Button variant="secondary" small onClick={() => void model.unwatch(chat.id)}>
              Stop watching
            </Button>
          </>
        ) : (
          <Button variant="secondary" small onClick={() => void model.watch(chat.id)}>
            Watch
          </Button>
        )}
        <Button variant="danger" small onClick={() => void model.intervene(chat.id)}>
          Intervene
        </Button>
      </div>
    </li>
  );
}

function lastLine(message: Message): string {
  const text = typeof message.message === 'string' ? message.message : `[${message.message.name}]`;
  return `${message.visibility === 'agents' ? 'Internal note: ' : ''}${text}`;
}

interface WatchedProps {
  model: ConsoleModel;
  row: MonitorRow;
  messages: Message[];
  names: Record<string, string>;
}

/** A watched chat: the live transcript, read-only, and a composer that only whispers (notes). */
function Watched({ model, row, messages, names }: WatchedProps) {
  const [draft, setDraft] = useState('');
  const logRef = useRef<HTMLOListElement>(null);
  const { chat } = row;
  useEffect(() => {
    logRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);

  async function whisper(event: Event) {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setDraft('');
    if (!(await model.whisper(chat.id, text))) setDraft(text);
  }

  const nameOf = (sender: string) =>
    sender === model.me ? 'You' : sender === chat.creator ? row.visitor : (names[sender] ?? 'Agent');
  return (
    <section class="console__conversation monitor__watched" aria-label={`Watching ${row.visitor}`}>
      <header class="console__chat-header">
        <h2>
          {row.visitor} <span class="sb-hint">— watching, read-only</span>
        </h2>
      </header>
      <div class="console__log" role="log" aria-label="Messages">
        {messages.length === 0 ? <p class="sb-hint console__no-messages">No messages yet.</p> : null}
        <ol class="console__messages" ref={logRef}>
          {messages.map((message) => (
            <MessageItem
              key={message.id}
              message={message}
              mine={message.sender === model.me}
              colleague={message.sender !== model.me && message.sender !== chat.creator}
              senderName={nameOf(message.sender)}
              read={false}
              mediaUrl={(path) => model.mediaUrl(path)}
            />
          ))}
        </ol>
      </div>
      <form class="console__composer console__composer--note" onSubmit={whisper}>
        <textarea
          class="sb-textarea console__input"
          aria-label="Whisper"
          rows={2}
          value={draft}
          placeholder="Whisper to the agents — an internal note, the visitor never sees it"
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) void whisper(e);
          }}
        />
        <Button type="submit" disabled={!draft.trim()}>
          <Icon name="send" /> Send note
        </Button>
      </form>
    </section>
  );
}
