import { useLoad } from '../src/lib/hooks.ts';
import { ErrorNote } from '../src/ui/index.ts';
import { when } from './history.ts';
import { loadChatDetail } from './loaders.ts';
import { MessageItem } from './MessageItem.tsx';
import type { ConsoleModel } from './model.ts';

/** A closed chat, read-only: who, when, where, its tags, and the whole transcript with its notes. */
export function PastChat({
  model,
  chatId,
  roomName,
  names,
}: {
  model: ConsoleModel;
  chatId: string;
  roomName: (id: number) => string;
  names: Record<string, string>;
}) {
  const { data, error } = useLoad(() => loadChatDetail(model.client, chatId, true), [model, chatId]);
  if (error) return <ErrorNote message={error} />;
  if (!data) return <p class="sb-hint">Loading the chat…</p>;
  const { chat, visitor, messages } = data;
  const visitorName = visitor?.name || 'Visitor';
  const nameOf = (sender: string) =>
    sender === chat.creator ? visitorName : sender === model.me ? 'You' : (names[sender] ?? 'Agent');
  return (
    <section class="console__conversation console__past" aria-label={`Past chat with ${visitorName}`}>
      <header class="console__chat-header console__past-header">
        <h2>{visitorName}</h2>
        <p class="sb-hint">
          {roomName(chat.room)} · {when(chat.created)}
          {chat.closed ? ` – closed ${when(chat.closed)}` : ''}
        </p>
        <p class="console__past-tags">
          Tags: {chat.tags.length > 0 ? chat.tags.join(', ') : <span class="sb-hint">none</span>}
        </p>
        {chat.rating !== undefined ? <p class="console__past-rating">Rating: {chat.rating} of 5</p> : null}
      </header>
      <div class="console__log" role="log" aria-label="Transcript">
        {messages.length === 0 ? <p class="sb-hint console__no-messages">No messages.</p> : null}
        <ol class="console__messages">
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
      <p class="console__closed">This chat is closed: it can be read, not answered.</p>
    </section>
  );
}
