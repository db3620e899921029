import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../src/lib/hooks.ts';
import type { Chat, Settings } from '../src/lib/sdk.ts';
import { Button, ErrorNote } from '../src/ui/index.ts';
import { searchPastChats, visitorNames, when } from './history.ts';
import type { ConsoleModel } from './model.ts';
import { PastChat } from './PastChat.tsx';

/** Typing pauses this long before the search runs. */
const SEARCH_PAUSE_MS = 300;

/**
 * The History view: the searchbox "Search chats" over the closed chats the agent may see (its own;
 * a supervisor's rooms'), newest first, and the one opened read-only beside them.
 */
export function History({
  model,
  settings,
  names,
}: {
  model: ConsoleModel;
  settings: Settings | undefined;
  names: Record<string, string>;
}) {
  const [query, setQuery] = useState('');
  const [chats, setChats] = useState<Chat[] | undefined>(undefined);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [visitors, setVisitors] = useState<Record<string, string>>({});

  // The visitors' names of what is listed, read once each.
  useEffect(() => {
    const missing = (chats ?? []).map((c) => c.creator).filter((id) => !(id in visitors));
    if (missing.length === 0) return;
    void visitorNames(model.client, missing).then((found) =>
      setVisitors((known) => ({ ...Object.fromEntries(missing.map((id) => [id, ''])), ...known, ...found })),
    );
  }, [model, chats]);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      searchPastChats(model.client, query).then(
        (page) => {
          if (!current) return;
          setChats(page.chats);
          setNext(page.next);
          setError(undefined);
        },
        (failure: unknown) => current && setError(describeError(failure)),
      );
    }, SEARCH_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [model, query]);

  async function more() {
    if (!next) return;
    try {
      const page = await searchPastChats(model.client, query, next);
      setChats((shown) => [...(shown ?? []), ...page.chats]);
      setNext(page.next);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  const roomName = (id: number) => settings?.rooms.find((r) => r.id === id)?.name ?? `Room ${id}`;
  return (
    <div class="console__body console__history">
      <section class="console__side console__history-list" aria-label="Past chats">
        <form onSubmit={(e) => e.preventDefault()}>
          <input
            type="search"
            class="sb-input"
            aria-label="Search chats"
            placeholder="Search chats"
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
          />
        </form>
        <ErrorNote message={error} />
        {chats === undefined && !error ? <p class="sb-hint">Loading past chats…</p> : null}
        {chats?.length === 0 ? (
          <p class="sb-hint">{query.trim() ? 'No past chat matches.' : 'No past chats yet.'}</p>
        ) : null}
        <ul class="sb-list console__chats" aria-label="Results">
          {chats?.map((chat) => (
            <li key={chat.id}>
              <button
                type="button"
                class={`console__chat${open === chat.id ? ' console__chat--selected' : ''}`}
                aria-current={open === chat.id ? 'true' : undefined}
                onClick={() => setOpen(chat.id)}
              >
                <span class="console__chat-name">{visitors[chat.creator] || 'Visitor'}</span>
                <span class="console__chat-preview">
                  {when(chat.created)} · {roomName(chat.room)}
                </span>
                {chat.tags.length > 0 ? (
                  <span class="console__chat-preview">Tags: {chat.tags.join(', ')}</span>
                ) : null}
              </button>
            </li>
          ))}
        </ul>
        {next ? (
          <Button variant="secondary" small onClick={more}>
            More
          </Button>
        ) : null}
      </section>
      <main class="console__main">
        {open ? (
          <PastChat key={open} model={model} chatId={open} roomName={roomName} names={names} />
        ) : (
          <div class="console__empty">
            <h2>No past chat open</h2>
            <p class="sb-hint">Search by any words of the conversation, in any order.</p>
          </div>
        )}
      </main>
    </div>
  );
}
