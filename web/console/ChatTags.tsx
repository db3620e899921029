import { useEffect, useState } from 'preact/hooks';
import type { Settings } from '../src/lib/sdk.ts';
import type { ChatView, ConsoleModel } from './model.ts';

const parse = (text: string) => [
  ...new Set(
    text
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
  ),
];

/**
 * The chat's tags as one textbox "Tags" (comma-separated; a combobox suggesting the allowed ones when
 * the app lists them), saved on Enter or when it loses focus. The server says which tag it refuses.
 */
export function ChatTags({
  model,
  view,
  settings,
}: {
  model: ConsoleModel;
  view: ChatView;
  settings: Settings | undefined;
}) {
  const saved = view.chat.tags.join(', ');
  const [text, setText] = useState(saved);
  useEffect(() => setText(saved), [saved]);
  const allowed = settings?.tags.allowed ?? null;
  const required = settings?.tags.requiredOnClose ?? false;
  const listId = `tags-allowed-${view.chat.id}`;

  async function save() {
    const tags = parse(text);
    if (tags.join(', ') === saved) return setText(saved);
    await model.setTags(view.chat.id, tags);
  }

  return (
    <div class="console__tags">
      <label class="console__tags-field">
        <span>Tags</span>
        <input
          class="sb-input"
          value={text}
          list={allowed ? listId : undefined}
          placeholder={allowed ? allowed.slice(0, 3).join(', ') : 'e.g. billing, refund'}
          aria-describedby={`${listId}-hint`}
          onInput={(e) => setText(e.currentTarget.value)}
          onBlur={() => void save()}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              void save();
            }
          }}
        />
      </label>
      {allowed ? (
        <datalist id={listId}>
          {allowed.map((tag) => (
            <option key={tag} value={tag} />
          ))}
        </datalist>
      ) : null}
      <small id={`${listId}-hint`} class="sb-hint">
        Comma-separated, Enter saves{required ? ' · a tag is required to close this chat' : ''}
        {allowed ? ` · allowed: ${allowed.join(', ')}` : ''}
      </small>
    </div>
  );
}
