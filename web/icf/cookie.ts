/**
 * The session cookie `i.cc` (docs/icf.md, "The cookie"): the name HyperChat integrations look for to
 * tell that a chat is open (the bot adapter's `isChatOpen`). Its value is URL-encoded JSON
 * `{a: appId, u: userId, t: token, c: chatId?, r: lastReadSeq?}`; `Path=/; SameSite=Lax; Max-Age=86400`
 * (a session token lasts 24 h), `Secure` on https, `Domain=` when `ICF.init` got `setCookieOnDomain`.
 */
export const COOKIE_NAME = 'i.cc';
const MAX_AGE = 86_400;

export interface Saved {
  /** App id. */
  a: string;
  /** User id. */
  u: string;
  /** Session token. */
  t: string;
  /** The open chat. */
  c?: string;
  /** The highest message `seq` of that chat handed to the integration. */
  r?: number;
}

function isSaved(value: unknown): value is Saved {
  const v = value as Partial<Saved> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.a === 'string' &&
    typeof v.u === 'string' &&
    typeof v.t === 'string' &&
    (v.c === undefined || typeof v.c === 'string') &&
    (v.r === undefined || typeof v.r === 'number')
  );
}

export class SessionCookie {
  readonly #domain: string | undefined;

  constructor(domain: string | undefined) {
    this.#domain = domain;
  }

  read(appId: string): Saved | undefined {
    const prefix = `${COOKIE_NAME}=`;
    const raw = document.cookie
      .split('; ')
      .find((part) => part.startsWith(prefix))
      ?.slice(prefix.length);
    if (!raw) return undefined;
    try {
      const value: unknown = JSON.parse(decodeURIComponent(raw));
      return isSaved(value) && value.a === appId ? value : undefined;
    } catch {
      return undefined;
    }
  }

  write(value: Saved): void {
    this.#set(encodeURIComponent(JSON.stringify(value)), MAX_AGE);
  }

  clear(): void {
    this.#set('', 0);
  }

  #set(value: string, maxAge: number): void {
    const attributes = [`Path=/`, `Max-Age=${maxAge}`, 'SameSite=Lax'];
    if (location.protocol === 'https:') attributes.push('Secure');
    if (this.#domain) attributes.push(`Domain=${this.#domain}`);
    // biome-ignore lint/suspicious/noDocumentCookie: a synchronous write that every browser has (the Cookie Store API is not yet in all of them)
    document.cookie = `${COOKIE_NAME}=${value}; ${attributes.join('; ')}`;
  }
}
