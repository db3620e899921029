import { CompiledQuery, type QueryResult } from 'kysely';
import { memo } from '../util/memo.ts';
import { type Db, onPostgres, type Tx } from './database.ts';
import { nameStatement } from './pg-named.ts';

/**
 * Hand-written SQL for the hottest reads, where even a prepared Kysely query (store/prepared.ts) does
 * more than needed: written with `?` placeholders, numbered `$1, $2, …` for PostgreSQL once per text
 * (and sent as a named statement there, see pg-named.ts).
 */
const numbered = memo(1001, (text: string): string => {
  let n = 0;
  const found = text.replace(/\?/g, () => `$${++n}`);
  nameStatement(found);
  return found;
});

function forDialect(db: Db | Tx, text: string): string {
  return onPostgres(db) ? numbered(text) : text;
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
