import type { SavedSession } from './model.ts';

const KEY = 'switchboard.console.session';

/** The tab's session: sessionStorage, so a reload keeps it and closing the tab forgets it. */
export function loadSession(): SavedSession | undefined {
  try {
    const text = sessionStorage.getItem(KEY);
    return text ? (JSON.parse(text) as SavedSession) : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: SavedSession | undefined): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

const NOTICE = 'switchboard.console.notice';

/** Why the tab was signed out (an expired session), kept until the next sign-in, reloads included. */
export function loadNotice(): string | undefined {
  return sessionStorage.getItem(NOTICE) ?? undefined;
}

export function saveNotice(notice: string | undefined): void {
  if (notice) sessionStorage.setItem(NOTICE, notice);
  else sessionStorage.removeItem(NOTICE);
}
