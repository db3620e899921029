import type { ConsoleModel, ConsoleState } from './model.ts';

/** The agent's open chats, each with its unread count; the selected one is marked for assistive tech. */
export function ChatList({ model, state }: { model: ConsoleModel; state: ConsoleState }) {
  return (
    <section class="console__section">
      <h2 class="console__section-title">My chats</h2>
      {state.order.length === 0 ? <p class="sb-hint">None yet.</p> : null}
      <ul class="sb-list console__chats">
        {state.order.map((id) => {
          const view = state.chats[id];
          if (!view) return null;
          const name = view.visitor?.name || 'Visitor';
          const last = view.messages.at(-1);
          const preview = last
            ? typeof last.message === 'string'
              ? last.message
              : `Attachment: ${last.message.name}`
            : '';
          return (
            <li key={id}>
              <button
                type="button"
                class={`console__chat${state.selected === id ? ' console__chat--selected' : ''}`}
                aria-current={state.selected === id ? 'true' : undefined}
                onClick={() => model.select(id)}
              >
                <span class="console__chat-name">
                  {name}
                  {view.closed ? <span class="sb-hint"> (closed)</span> : null}
                </span>
                <span class="console__chat-preview">{view.typing ? 'typing…' : preview}</span>
                {view.unread > 0 ? (
                  <span class="sb-badge">
                    {view.unread}
                    <span class="sb-visually-hidden"> unread</span>
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
