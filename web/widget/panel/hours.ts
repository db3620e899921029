import type { Client } from '../../src/lib/sdk.ts';

/** The room's opening hours as the panel needs them (docs/widget.md, "Opening hours"). */
export interface ClosedRoom {
  /** What happens to a chat started now: a ticket at once, or a wait for the opening. */
  mode: 'queue' | 'ticket';
  /** The status line: "closed", with the next opening in the visitor's own words and time zone. */
  text: string;
}

/** The room (the configured one, else the app's first) when it is closed now; undefined while open. */
export async function closedRoom(client: Client, room: number | undefined): Promise<ClosedRoom | undefined> {
  // Both at once: the settings name the app's first room (the default) and each room's `offHours`.
  const [{ rooms }, { settings }] = await Promise.all([client.rooms.status(), client.settings.get()]);
  const config = settings.rooms.find((r) => r.id === room) ?? settings.rooms[0];
  const status = config ? rooms[String(config.id)] : undefined;
  if (!config || !status || status.open) return undefined;
  return { mode: config.offHours ?? 'ticket', text: closedText(status.nextOpen) };
}

export function closedText(nextOpen: number | null): string {
  if (nextOpen === null) return 'We are closed now.';
  const when = new Intl.DateTimeFormat(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: 'numeric',
    minute: '2-digit',
  }).format(nextOpen * 1000);
  return `We are closed now. We open again ${when}.`;
}
