/** Small helpers both halves of the widget share: the accent colour and the stored session's key. */

const DEFAULT_ACCENT = '#1f5fbf';

/** `data-color` goes into a style sheet: only plain colour syntax is let through. */
export function safeColor(value: string | undefined): string {
  if (
    value &&
    /^(#[0-9a-f]{3,8}|[a-z]{3,20}|rgba?\([\d\s,.%]+\)|hsla?\([\d\s,.%deg]+\))$/i.test(value.trim())
  )
    return value.trim();
  return DEFAULT_ACCENT;
}

function luminance(hex: string): number | undefined {
  let digits = hex.slice(1);
  if (digits.length === 3 || digits.length === 4) digits = [...digits.slice(0, 3)].map((d) => d + d).join('');
  if (digits.length < 6) return undefined;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = Number.parseInt(digits.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** White or near-black text, whichever contrasts more with the accent (WCAG AA wants 4.5:1). */
export function accentInk(color: string): string {
  const l = color.startsWith('#') ? luminance(color) : undefined;
  if (l === undefined) return '#fff';
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#fff' : '#111';
}

/** Where this browser keeps the visitor's session for an app (localStorage, shared by its tabs). */
export const sessionKey = (appId: string): string => `switchboard:${appId}`;

export function hasOpenChat(appId: string): boolean {
  try {
    const raw = localStorage.getItem(sessionKey(appId));
    return raw !== null && Boolean((JSON.parse(raw) as { chatId?: string }).chatId);
  } catch {
    return false;
  }
}
