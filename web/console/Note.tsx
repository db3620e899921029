import './notes.css';

/**
 * Internal notes in the console (docs/security.md, "Internal notes"): the composer's switch and the
 * mark a note carries in the log. A note is seen by agents only, never by the visitor.
 */

export interface NoteToggleProps {
  checked: boolean;
  onChange: (checked: boolean) => void;
}

/** The checkbox "Internal note" beside the composer: checked, what is sent is a note. */
export function NoteToggle({ checked, onChange }: NoteToggleProps) {
  return (
    <label class="console__note-toggle">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} />
      Internal note
    </label>
  );
}

/** The visible words a note carries in the log (read by screen readers too). */
export function NoteTag() {
  return (
    <span class="console__note-tag">
      <svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12" fill="currentColor">
        <path d="M4 7V5a4 4 0 1 1 8 0v2h1v8H3V7h1Zm2 0h4V5a2 2 0 1 0-4 0v2Z" />
      </svg>
      Internal note
    </span>
  );
}
