import { CompiledQuery } from 'kysely';
import { type Db, onPostgres, type Tx } from '../store/database.ts';

/**
 * Routing's hottest reads as plain SQL: no query building per call, no key renaming per row (the
 * columns are aliased to their camelCase names in the SQL itself). Written with `?` placeholders;
 * PostgreSQL gets `$1, $2, …`, computed once per statement.
 */
const numbered = new Map<string, string>();

function forPostgres(text: string): string {
  let out = numbered.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    numbered.set(text, out);
  }
  return out;
}

export async function rawRows<R>(db: Db | Tx, text: string, parameters: unknown[]): Promise<R[]> {
  const query = CompiledQuery.raw(onPostgres(db) ? forPostgres(text) : text, parameters);
  const result = await db.withoutPlugins().executeQuery<R>(query);
  return result.rows;
}
