/**
 * What erasure leaves of a text (docs/privacy.md): pure functions over stored text and JSON, the same on
 * both stores. Every JSON value stays valid JSON of the same shape: strings stay strings, objects stay
 * objects; only their content changes.
 */

/** What an erased text reads as. */
export const ERASED = '[erased]';
/** The name an erased end user keeps (ids, times and counts stay: docs/privacy.md). */
export const ERASED_NAME = 'Erased user';

/** Needles shorter than this are not searched for inside longer texts (they would hit every word). */
const MIN_NEEDLE = 4;

/** What one erasure removes from the JSON and text it passes over. */
export interface Redaction {
  /** The erased end user (its user objects lose name, contact, extraInfo, externalId). */
  userId: string | undefined;
  /** Whose messages lose their text: the erased user's id, or every sender (retention: `'all'`). */
  senders: ReadonlySet<string> | 'all';
  /** Texts removed wherever they occur inside a string (name, contact, extraInfo values). */
  needles: readonly string[];
}

/** The texts of a profile worth searching for elsewhere: name, contact, externalId, extraInfo's strings. */
export function needlesOf(profile: {
  name: string;
  contact: string | null;
  externalId: string | null;
  extraInfo: unknown;
}): string[] {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') {
      const text = value.trim();
      // The default name is no one's personal data, and redacting it would change other users' lines.
      if (text.length >= MIN_NEEDLE && text !== 'Guest') found.add(text);
    } else if (typeof value === 'number' && String(value).length >= MIN_NEEDLE) add(String(value));
    else if (Array.isArray(value)) for (const item of value) add(item);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) add(item);
  };
  add(profile.name);
  add(profile.contact);
  add(profile.externalId);
  add(profile.extraInfo);
  // Longest first, so a name inside a contact (ada in ada@…) never leaves half the contact.
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every needle replaced; the same string when none occurs. */
export function redactText(text: string, needles: readonly string[]): string {
  let out = text;
  for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(ERASED);
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A message as the wire shows it (events, webhook bodies, ticket transcripts). */
function isMessage(value: Record<string, unknown>): boolean {
  return typeof value.sender === 'string' && 'message' in value && typeof value.seq === 'number';
}

function erasesSender(redaction: Redaction, sender: unknown): boolean {
  return redaction.senders === 'all' || (typeof sender === 'string' && redaction.senders.has(sender));
}

/** One JSON value with the redaction applied, recursively. */
export function redactValue(value: unknown, redaction: Redaction): unknown {
  if (typeof value === 'string') return redactText(value, redaction.needles);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redaction));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactValue(item, redaction);
  if (isMessage(value) && erasesSender(redaction, value.sender)) {
    // A text (or a bot prompt's JSON) goes; a file keeps its id, type and size, not its name.
    if (typeof value.message === 'string') out.message = ERASED;
    else if (isObject(value.message)) out.message = { ...(out.message as object), name: ERASED };
  }
  if (redaction.userId !== undefined && value.id === redaction.userId && typeof value.name === 'string') {
    out.name = ERASED_NAME;
    // Optional in the User shape: absent, as the user now reads.
    delete out.contact;
    delete out.externalId;
    if ('extraInfo' in value) out.extraInfo = {};
  }
  // A chat's imported bot conversation belongs to its end user: every line of it goes (docs/privacy.md).
  const ownHistory = redaction.senders === 'all' || redaction.userId === value.creator;
  if (Array.isArray(value.history) && ownHistory)
    out.history = (out.history as unknown[]).map((entry) =>
      isObject(entry) ? { ...entry, message: ERASED } : entry,
    );
  return out;
}

/** Stored JSON text with the redaction applied: valid JSON again, and the same text when nothing changed. */
export function redactJson(text: string, redaction: Redaction): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (never written by the server): treated as plain text.
    return redactText(text, redaction.needles);
  }
  const redacted = JSON.stringify(redactValue(parsed, redaction));
  return redacted === JSON.stringify(parsed) ? text : redacted;
}
