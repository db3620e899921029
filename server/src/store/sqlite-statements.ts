import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { CompiledQuery, QueryResult } from 'kysely';

/** node:sqlite binds only numbers, strings, bigints, null and bytes; Kysely hands us booleans too. */
function bindable(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  const values = new Array<SQLInputValue>(parameters.length);
  for (let i = 0; i < parameters.length; i++) {
    const value = parameters[i];
    values[i] =
      value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : (value as SQLInputValue);
  }
  return values;
}

interface Prepared {
  statement: StatementSync;
  /** Returns columns (a SELECT, or anything with RETURNING): read it with all(). */
  reader: boolean;
}

/** The embedded store's prepared statements, one per distinct SQL text (compiled once, run many times). */
export class StatementCache {
  private readonly cache = new Map<string, Prepared>();
  private readonly db: DatabaseSync;
  constructor(db: DatabaseSync) {
    this.db = db;
  }

  statement(sql: string): StatementSync {
    return this.prepare(sql).statement;
  }

  private prepare(sql: string): Prepared {
    let found = this.cache.get(sql);
    if (!found) {
      const statement = this.db.prepare(sql);
      found = { statement, reader: statement.columns().length > 0 };
      if (this.cache.size > 500) this.cache.clear();
      this.cache.set(sql, found);
    }
    return found;
  }

  run<R>(compiled: CompiledQuery): QueryResult<R> {
    const { statement, reader } = this.prepare(compiled.sql);
    const parameters = bindable(compiled.parameters);
    if (reader) return { rows: statement.all(...parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(...parameters);
    return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] };
  }

  exec(sql: string): void {
    this.prepare(sql).statement.run();
  }

  clear(): void {
    this.cache.clear();
  }
}
