/** A tab list with arrow-key movement (WAI-ARIA tabs pattern); the panel is rendered by the caller. */
export function Tabs<T extends string>({
  tabs,
  current,
  onChange,
}: {
  tabs: readonly T[];
  current: T;
  onChange: (tab: T) => void;
}) {
  function onKeyDown(event: KeyboardEvent) {
    const index = tabs.indexOf(current);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length]!;
    onChange(next);
    requestAnimationFrame(() => document.getElementById(`tab-${next}`)?.focus());
  }
  return (
    <div class="admin__tabs" role="tablist" aria-label="Sections" onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          key={tab}
          id={`tab-${tab}`}
          type="button"
          role="tab"
          class="admin__tab"
          aria-selected={tab === current}
          aria-controls="admin-panel"
          tabIndex={tab === current ? 0 : -1}
          onClick={() => onChange(tab)}
        >
          {tab}
        </button>
      ))}
    </div>
  );
}
