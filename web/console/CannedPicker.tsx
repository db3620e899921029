import type { JSX, RefObject } from 'preact';
import { useState } from 'preact/hooks';
import { useLoad } from '../src/lib/hooks.ts';
import type { CannedResponse } from '../src/lib/sdk.ts';
import { Button } from '../src/ui/index.ts';
import { fillIn, loadCanned, matching, slashAt } from './canned.ts';
import type { ChatView, ConsoleModel } from './model.ts';

/**
 * The canned-response picker of the composer: typing `/` (or the button "Canned responses", which
 * types it) opens a listbox "Canned responses" filtered by what follows. The textbox "Message" keeps
 * the focus and points at the active option with `aria-activedescendant` (the combobox pattern,
 * keeping the textbox role its name is known by); arrows move, Enter or a click inserts the text
 * filled in, Escape closes.
 */
export interface CannedPicker {
  /** Spread on the textarea. */
  inputProps: Record<string, string | undefined>;
  /** Runs first in the textarea's keydown; true when the picker took the key. */
  onKeyDown(event: KeyboardEvent): boolean;
  /** The caret may have moved (input, click, keyup). */
  track(textarea: HTMLTextAreaElement): void;
  button: JSX.Element;
  listbox: JSX.Element | null;
}

const LISTBOX_ID = 'canned-listbox';
const optionId = (canned: CannedResponse) => `canned-${canned.id}`;

export function useCannedPicker(
  model: ConsoleModel,
  view: ChatView,
  draft: string,
  setDraft: (value: string) => void,
  textarea: RefObject<HTMLTextAreaElement | null>,
): CannedPicker {
  const room = view.chat.room;
  const loaded = useLoad(() => loadCanned(model.client, room), [model, room]);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  /** Where the `/` was when Escape closed the list: it stays closed for that one. */
  const [dismissed, setDismissed] = useState<number | undefined>(undefined);

  const slash = slashAt(draft, Math.min(caret, draft.length));
  const open = slash !== undefined && slash.start !== dismissed;
  const items = open ? matching(loaded.data ?? [], slash.query) : [];
  const current = items[Math.min(active, items.length - 1)];

  function moveCaret(to: number) {
    setCaret(to);
    requestAnimationFrame(() => {
      textarea.current?.focus();
      textarea.current?.setSelectionRange(to, to);
    });
  }

  function insert(canned: CannedResponse) {
    if (!slash) return;
    const filled = fillIn(canned.text, view.visitor, model.store.state.agent);
    const end = Math.min(caret, draft.length);
    setDraft(draft.slice(0, slash.start) + filled + draft.slice(end));
    setActive(0);
    moveCaret(slash.start + filled.length);
  }

  function openFromButton() {
    const el = textarea.current;
    const at = el ? el.selectionStart : draft.length;
    const before = draft.slice(0, at);
    const typed = before === '' || /\s$/.test(before) ? '/' : ' /';
    setDraft(before + typed + draft.slice(at));
    setDismissed(undefined);
    setActive(0);
    moveCaret(at + typed.length);
  }

  function onKeyDown(event: KeyboardEvent): boolean {
    if (!open) return false;
    const count = items.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (count === 0) return false;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((Math.min(active, count - 1) + step + count) % count);
      return true;
    }
    if (event.key === 'Enter' && !event.shiftKey && current) {
      event.preventDefault();
      insert(current);
      return true;
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      setDismissed(slash.start);
      return true;
    }
    return false;
  }

  function track(el: HTMLTextAreaElement) {
    setCaret(el.selectionStart);
    const next = slashAt(el.value, el.selectionStart);
    if (next === undefined) setDismissed(undefined);
    if (next?.query !== slash?.query) setActive(0);
  }

  const button = (
    <Button
      variant="secondary"
      aria-haspopup="listbox"
      aria-expanded={open}
      aria-controls={LISTBOX_ID}
      title="Canned responses (type /)"
      onClick={openFromButton}
    >
      <span aria-hidden="true">/</span>
      <span class="sb-visually-hidden">Canned responses</span>
    </Button>
  );

  const listbox = open ? (
    <div class="console__canned">
      <div id={LISTBOX_ID} role="listbox" aria-label="Canned responses" class="console__canned-list">
        {items.map((canned) => (
          <div
            key={canned.id}
            id={optionId(canned)}
            role="option"
            aria-selected={canned === current}
            class="console__canned-option"
            // Options are pointed at, never focused: the textarea keeps the focus (aria-activedescendant).
            tabIndex={-1}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => insert(canned)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') insert(canned);
            }}
          >
            <span class="console__canned-head">
              <code>/{canned.shortcut}</code> {canned.title}
              {canned.ownerId === null ? <span class="sb-hint"> · shared</span> : null}
            </span>
            <span class="console__canned-text">{canned.text}</span>
          </div>
        ))}
      </div>
      {items.length === 0 ? (
        <p class="sb-hint console__canned-none">
          {loaded.loading ? 'Loading canned responses…' : `No canned response matches /${slash.query}.`}
        </p>
      ) : null}
    </div>
  ) : null;

  return {
    inputProps: {
      'aria-autocomplete': 'list',
      'aria-controls': open ? LISTBOX_ID : undefined,
      'aria-activedescendant': open && current ? optionId(current) : undefined,
    },
    onKeyDown,
    track,
    button,
    listbox,
  };
}
