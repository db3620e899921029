import { CompiledQuery, type QueryResult } from 'kysely';
import { type Db, onPostgres, type Tx } from './database.ts';
import { nameStatement } from './pg-named.ts';

/**
 * Hand-written SQL for the hottest reads, where even a prepared Kysely query (store/prepared.ts) does
 * more than needed: written with `?` placeholders, numbered `$1, $2, …` for PostgreSQL once per text
 * (and sent as a named statement there, see pg-named.ts).
 */
const numbered = new Map<string, string>();

function forDialect(db: Db | Tx, text: string): string {
  if (!onPostgres(db)) return text;
  let found = numbered.get(text);
  if (found === undefined) {
    let n = 0;
    found = text.replace(/\?/g, () => `$${++n}`);
    if (numbered.size > 1000) numbered.clear();
    numbered.set(text, found);
    nameStatement(found);
  }
  return found;
}

/** Runs `text`; result rows pass through the store's plugins (snake_case → camelCase). */
export function rawQuery<R>(db: Db | Tx, text: string, parameters: unknown[]): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(forDialect(db, text), parameters));
}

/** Runs `text` and returns its rows as the database names them (alias the columns in the SQL). */
export async function rawRows<R>(db: Db | Tx, text: string, parameters: unknown[]): Promise<R[]> {
  const result = await db
    .withoutPlugins()
    .executeQuery<R>(CompiledQuery.raw(forDialect(db, text), parameters));
  return result.rows;
}

/** `?, ?, ?` for an IN list of `n` values. */
export function marks(n: number): string {
  return n === 1 ? '?' : `?${', ?'.repeat(n - 1)}`;
}
