import { useEffect, useRef, useState } from 'preact/hooks';
import type { MediaRef } from '../../src/lib/sdk.ts';
import type { VisitorChat } from './chat.ts';
import { formatBytes } from './explain.ts';
import { SurveyForm } from './SurveyForm.tsx';
import type { Line, ViewState } from './state.ts';
import { downloadTranscript } from './transcript.ts';

const time = (seconds: number) =>
  new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function Waiting({ state }: { state: ViewState }) {
  let text = 'Waiting for an agent to join…';
  if (state.alone)
    text = 'Nobody can take your chat right now. Write your message and leave it: we will answer by email.';
  else if (state.inQueue && state.queuePosition !== null) {
    const ahead = state.queuePosition;
    text = `You are number ${ahead + 1} in the queue (${ahead} ${ahead === 1 ? 'chat' : 'chats'} ahead of you).`;
  }
  return (
    <div class="wait" role="status">
      {text}
    </div>
  );
}

function Attachment({ chat, media, mine }: { chat: VisitorChat; media: MediaRef; mine: boolean }) {
  const url = chat.mediaUrl(media);
  const image = /^image\/(png|jpeg|gif|webp)$/.test(media.type);
  return (
    <span class="file">
      {image ? <img src={url} alt={media.name} loading="lazy" /> : null}
      <a href={url} download={media.name} target="_blank" rel="noopener" class={mine ? 'on-accent' : ''}>
        {media.name} ({formatBytes(media.size)})
      </a>
    </span>
  );
}

function Item({
  chat,
  line,
  state,
  last,
}: {
  chat: VisitorChat;
  line: Line;
  state: ViewState;
  last: boolean;
}) {
  const mine = line.sender === state.me;
  const who = mine ? 'You' : line.sender === 'system' ? 'System' : (state.names[line.sender] ?? 'Agent');
  let receipt = '';
  if (mine && line.state === 'sending') receipt = state.offline ? 'Waiting for the connection…' : 'Sending…';
  else if (mine && last && line.id) receipt = state.read[line.id] ? 'Read' : 'Sent';
  return (
    <li class={`msg ${mine ? 'mine' : line.sender === 'system' ? 'system' : 'theirs'}`}>
      <span class="who">
        {who} · {time(line.created)}
      </span>
      <span class="bubble">
        {typeof line.message === 'string' ? (
          line.message
        ) : (
          <Attachment chat={chat} media={line.message} mine={mine} />
        )}
      </span>
      {line.state === 'failed' ? (
        <span class="failed">
          Not sent: {line.error}{' '}
          <button type="button" class="link" onClick={() => chat.retry(line.key)}>
            Retry
          </button>
        </span>
      ) : receipt ? (
        <span class="receipt">{receipt}</span>
      ) : null}
    </li>
  );
}

function Composer({ chat, state }: { chat: VisitorChat; state: ViewState }) {
  const [text, setText] = useState('');
  const file = useRef<HTMLInputElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = () => {
    if (!text.trim()) return;
    chat.send(text.trim());
    setText('');
  };
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <input
        ref={file}
        type="file"
        hidden
        onChange={(event) => {
          const chosen = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          if (chosen) void chat.upload(chosen);
        }}
      />
      <button
        type="button"
        class="icon"
        aria-label="Attach a file"
        disabled={state.busy}
        onClick={() => file.current?.click()}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            d="m21 11-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"
          />
        </svg>
      </button>
      <textarea
        ref={input}
        aria-label="Message"
        rows={1}
        placeholder="Write a message…"
        maxLength={65536}
        value={text}
        onInput={(event) => {
          setText(event.currentTarget.value);
          chat.typing();
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit" class="primary">
        Send
      </button>
    </form>
  );
}

export function Conversation({ chat, state }: { chat: VisitorChat; state: ViewState }) {
  const list = useRef<HTMLDivElement>(null);
  const count = state.lines.length;
  // Scroll to the newest line when one is added, the typing line shows, or the chat ends.
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, state.typing, state.phase]);
  const ended = state.phase === 'closed' || state.phase === 'left';
  const lastMine = [...state.lines].reverse().find((l) => l.sender === state.me)?.key;
  return (
    <>
      {state.phase === 'waiting' ? <Waiting state={state} /> : null}
      <div class="scroll" ref={list}>
        {/* The log announces new messages; the typing line is outside it, so it is never read out. */}
        <div role="log" aria-label="Messages">
          <ul>
            {state.lines.map((line) => (
              <Item key={line.key} chat={chat} line={line} state={state} last={line.key === lastMine} />
            ))}
          </ul>
        </div>
        {state.typing ? <p class="typing">{state.names[state.typing] ?? 'The agent'} is typing…</p> : null}
      </div>
      {ended ? (
        <div class="ended">
          <p>
            {state.phase === 'left'
              ? `Thank you! Your message was sent${state.email ? ` — we will reply to ${state.email}` : ''}.`
              : 'This chat has ended.'}
          </p>
          {state.survey ? <SurveyForm chat={chat} view={state.survey} /> : null}
          <button type="button" onClick={() => void downloadTranscript(chat, state)}>
            Download transcript
          </button>
          <button type="button" class="primary" onClick={() => void chat.restart()}>
            Start a new chat
          </button>
        </div>
      ) : (
        <>
          {state.alone ? (
            <button
              type="button"
              class="leave"
              disabled={state.busy}
              onClick={() => void chat.endAsMessage()}
            >
              Leave message
            </button>
          ) : null}
          <Composer chat={chat} state={state} />
        </>
      )}
    </>
  );
}
