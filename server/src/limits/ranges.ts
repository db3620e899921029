import { type TInteger, Type } from '@sinclair/typebox';

/**
 * The numeric ranges the API allows, defined once. Every integer a client can send — in a body, a
 * query, a path, a realtime frame — is held to one of these by its schema, so nothing accepted can be
 * too big for the store (PostgreSQL `integer` is 32-bit, `bigint` 64-bit; SQLite returns anything past
 * 2^53 as an error) or for JavaScript (past 2^53 integers stop being exact), and no read of it can fail
 * later. Commands that get numbers from elsewhere (a cursor, a comma-separated list) check them with
 * `inRange`.
 */
export const INT32_MAX = 2_147_483_647;
/** 9999-12-31T23:59:59Z: the last second ISO 8601 and every spreadsheet can show. */
export const MAX_UNIX_SECONDS = 253_402_300_799;

export interface Range {
  minimum: number;
  maximum: number;
}

export const RANGES = {
  /** Room ids (docs/conventions.md: integers); stored in 32-bit columns. */
  roomId: { minimum: 1, maximum: INT32_MAX },
  /** A message's per-chat `seq` and the `after` of a message listing (32-bit column). */
  seq: { minimum: 0, maximum: INT32_MAX },
  /** Unix seconds sent by clients: imported history lines, `recover {since}`. */
  seconds: { minimum: 0, maximum: MAX_UNIX_SECONDS },
  /** A per-app event position (64-bit column; JavaScript holds it exactly up to 2^53). */
  position: { minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  /** Chat priority (higher first). */
  priority: { minimum: -1_000_000, maximum: 1_000_000 },
  /** Chat source (3 = chat). */
  source: { minimum: 0, maximum: 1000 },
  /** Page size of every list (docs/conventions.md, "Lists"). */
  limit: { minimum: 1, maximum: 200 },
  /** Chats an agent may hold at once. */
  maxChats: { minimum: 1, maximum: 1000 },
  /** Invitation attempts of one loop. */
  attempts: { minimum: 1, maximum: 1000 },
  /** A duration in seconds set by an app: invitation interval, assign timeout, reconnect grace. */
  durationDay: { minimum: 0, maximum: 86_400 },
  /** Chat inactivity timeout (0 = off): up to 30 days. */
  inactivity: { minimum: 0, maximum: 30 * 86_400 },
  /** Webhook deliveries per second. */
  rateLimit: { minimum: 0, maximum: 100_000 },
  /** Days closed chats keep their text or files their bytes (retention settings): a day to 100 years. */
  retentionDays: { minimum: 1, maximum: 36_500 },
  /** Media size an app allows. */
  mediaBytes: { minimum: 1, maximum: 100 * 1024 * 1024 },
} as const satisfies Record<string, Range>;

export type RangeName = keyof typeof RANGES;

/** A TypeBox integer held to a range of the table (optionally narrowed, never widened). */
export function int(
  name: RangeName,
  narrow: Partial<Range> & { default?: number; description?: string } = {},
): TInteger {
  const range = RANGES[name];
  const minimum = Math.max(range.minimum, narrow.minimum ?? range.minimum);
  const maximum = Math.min(range.maximum, narrow.maximum ?? range.maximum);
  return Type.Integer({
    minimum,
    maximum,
    ...(narrow.default !== undefined ? { default: narrow.default } : {}),
    ...(narrow.description !== undefined ? { description: narrow.description } : {}),
  });
}

export function inRange(name: RangeName, value: number): boolean {
  const range = RANGES[name];
  return Number.isSafeInteger(value) && value >= range.minimum && value <= range.maximum;
}
