import { sql } from 'kysely';
import type { TestServer } from './harness.ts';

/**
 * Every table of the store, read whole, searched for `needles` (docs/privacy.md: erasure leaves none):
 * text, JSON and binary columns alike (bytes read as latin1). Both stores: SQLite's main file and the
 * attached webhook file, PostgreSQL's test schema. Returns `table.column: needle` for each hit.
 */
export async function findInStore(server: TestServer, needles: readonly string[]): Promise<string[]> {
  const db = server.sb.store.db;
  const tables: string[] = [];
  if (server.kind === 'postgres') {
    const { rows } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
    tables.push(...rows.map((r) => `"${r.name}"`));
  } else {
    const { rows: schemas } = await sql<{ name: string }>`select name from pragma_database_list`.execute(db);
    for (const { name: schema } of schemas) {
      const { rows } = await sql<{ name: string }>`
        select name from ${sql.raw(`"${schema}".sqlite_master`)}
        where type = 'table' and name not like 'sqlite_%'`.execute(db);
      tables.push(...rows.map((r) => `"${schema}"."${r.name}"`));
    }
  }
  const hits: string[] = [];
  for (const table of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.raw(table)}`.execute(db);
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        const text =
          value instanceof Uint8Array
            ? Buffer.from(value).toString('latin1')
            : typeof value === 'string'
              ? value
              : JSON.stringify(value);
        for (const needle of needles) if (text.includes(needle)) hits.push(`${table}.${column}: ${needle}`);
      }
    }
  }
  return hits;
}

/** How many rows each table holds (the counts an erasure keeps). */
export async function rowCounts(
  server: TestServer,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.raw(`"${table}"`)}`.execute(server.sb.store.db);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}
