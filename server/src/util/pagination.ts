import { invalidField } from './errors.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** What every list route takes (docs/conventions.md: `?limit=` default 50, max 200, and `?cursor=`). */
export interface PageQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export const limitOf = (query: PageQuery): number => query.limit ?? DEFAULT_LIMIT;

/** Cursors are opaque to clients: the last id of the previous page, encoded. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(decoded))
    throw invalidField('cursor', 'is not a cursor this server issued');
  return decoded;
}

/** Given up to limit+1 rows, returns the page and the cursor of the next one. */
export function page<T extends { id: string }>(
  rows: T[],
  limit: number,
): { items: T[]; next: string | null } {
  if (rows.length <= limit) return { items: rows, next: null };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor(items[items.length - 1]!.id) };
}
