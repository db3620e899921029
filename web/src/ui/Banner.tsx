import type { ComponentChildren } from 'preact';

/** A full-width notice (e.g. "Reconnecting…"); role status so it is announced once, politely. */
export function Banner({ children }: { children: ComponentChildren }) {
  return (
    <div class="sb-banner" role="status">
      {children}
    </div>
  );
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
