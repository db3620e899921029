import type { ComponentChildren } from 'preact';

/**
 * A full-width notice (e.g. "Reconnecting…"). Not a live region: only new messages speak (docs/web.md),
 * and a connection that flaps would otherwise talk over the conversation.
 */
export function Banner({ children }: { children: ComponentChildren }) {
  return <div class="sb-banner">{children}</div>;
}

/** A form or action error, announced at once. Renders nothing without a message. */
export function ErrorNote({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p class="sb-error" role="alert">
      {message}
    </p>
  );
}
