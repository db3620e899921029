import { useEffect, useRef } from 'preact/hooks';
import { useStore } from '../../src/lib/store.ts';
import { Conversation } from './Conversation.tsx';
import type { VisitorChat } from './chat.ts';
import { LeaveMessage, PreChat } from './Forms.tsx';

export function Panel({
  chat,
  title,
  open,
  onClose,
}: {
  chat: VisitorChat;
  title: string;
  open: boolean;
  onClose(): void;
}) {
  const state = useStore(chat.store);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    // Focus the first field of what is shown, so the keyboard starts in the panel.
    const first = dialog.current?.querySelector<HTMLElement>('input:not([hidden]),textarea,.ended button');
    first?.focus();
  }, [open, state.phase]);
  const agentNames = Object.values(state.agents);
  const talking = state.phase === 'waiting' || state.phase === 'active';
  let body = <p class="lead">Loading…</p>;
  if (state.phase === 'prechat' || state.phase === 'starting')
    body = (
      <PreChat
        name={state.name}
        email={state.email}
        busy={state.busy}
        onStart={(n, e) => void chat.start(n, e)}
      />
    );
  else if (state.phase === 'offline')
    body = (
      <LeaveMessage
        name={state.name}
        email={state.email}
        busy={state.busy}
        onSend={(n, e, t) => void chat.leaveMessage(n, e, t)}
      />
    );
  else if (state.phase !== 'loading') body = <Conversation chat={chat} state={state} />;
  return (
    <div
      ref={dialog}
      class="panel"
      role="dialog"
      aria-label="Chat"
      hidden={!open}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose();
      }}
    >
      <header>
        <div class="title">
          <strong>{title}</strong>
          <span>
            {agentNames.length > 0
              ? `Chatting with ${agentNames.join(', ')}`
              : state.phase === 'offline' || state.closed
                ? 'We are away'
                : 'We reply in minutes'}
          </span>
        </div>
        {talking ? (
          <button type="button" class="end" disabled={state.busy} onClick={() => void chat.end()}>
            End chat
          </button>
        ) : null}
        <button type="button" class="icon on-accent" aria-label="Minimize" onClick={onClose}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path fill="none" stroke="currentColor" stroke-width="2.5" d="m6 9 6 6 6-6" />
          </svg>
        </button>
      </header>
      {state.offline && state.me ? <div class="banner">Connection lost — reconnecting…</div> : null}
      {state.notice ? <div class="notice">{state.notice}</div> : null}
      {state.error ? (
        <div class="error" role="alert">
          {state.error}
          <button
            type="button"
            class="link"
            aria-label="Dismiss"
            onClick={() => chat.patch({ error: undefined })}
          >
            ×
          </button>
        </div>
      ) : null}
      <div class="body">
        {state.closed && (state.phase === 'prechat' || state.phase === 'offline') ? (
          <p class="closed" role="status">
            {state.closed}
          </p>
        ) : null}
        {body}
      </div>
    </div>
  );
}
