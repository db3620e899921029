import { sessionKey } from '../theme.ts';

/**
 * The visitor's session in this browser: localStorage, so it survives reloads and is shared by every
 * tab of the site — all tabs are one visitor with one chat (docs/widget.md). A tab hears the others'
 * changes through the `storage` event.
 */
export interface StoredSession {
  userId: string;
  token: string;
  name?: string;
  email?: string;
  chatId?: string;
  /** The realtime cursor last seen, so a reload replays what it missed. */
  cursor?: string;
  /** The highest message `seq` the visitor has had in view, so a reload can count what came unseen. */
  seen?: number;
}

export function readSession(appId: string): StoredSession | undefined {
  try {
    const raw = localStorage.getItem(sessionKey(appId));
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Partial<StoredSession>;
    return typeof value.userId === 'string' && typeof value.token === 'string'
      ? (value as StoredSession)
      : undefined;
  } catch {
    return undefined; // storage blocked (private mode, sandboxed frame): the chat lives as long as the page
  }
}

export function writeSession(appId: string, session: StoredSession | undefined): void {
  try {
    if (session) localStorage.setItem(sessionKey(appId), JSON.stringify(session));
    else localStorage.removeItem(sessionKey(appId));
  } catch {
    // as above
  }
}

/** Calls `changed` when another tab writes this app's session. Returns the unsubscribe function. */
export function watchSession(
  appId: string,
  changed: (session: StoredSession | undefined) => void,
): () => void {
  const key = sessionKey(appId);
  const listener = (event: StorageEvent) => {
    if (event.key === key || event.key === null) changed(readSession(appId));
  };
  window.addEventListener('storage', listener);
  return () => window.removeEventListener('storage', listener);
}
