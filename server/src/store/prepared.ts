import { type Compilable, type CompiledQuery, PostgresAdapter, type QueryResult } from 'kysely';
import type { Db, Tx } from './database.ts';
import { nameStatement } from './pg-named.ts';

/**
 * A query built and compiled by Kysely once, then run many times with new arguments. On the embedded
 * store, building and compiling a statement costs several times what SQLite takes to run it, so the
 * statements of the hot paths (one message = about ten of them) are prepared here.
 *
 * `build` receives `arg(name)`, a stand-in for a value supplied at run time; it must be used where a
 * value goes (compared, inserted, set), not as an identifier. The compiled SQL is cached per dialect;
 * on PostgreSQL it is also sent as a named statement (pg-named.ts), parsed once per connection.
 */
export interface Prepared<A, O> {
  all(db: Db | Tx, args: A): Promise<O[]>;
  first(db: Db | Tx, args: A): Promise<O | undefined>;
  /** The first row; throws when there is none (for statements that always return one). */
  one(db: Db | Tx, args: A): Promise<O>;
  run(db: Db | Tx, args: A): Promise<QueryResult<O>>;
}

type Arg<A> = <K extends keyof A & string>(name: K) => A[K];

interface Template {
  compiled: CompiledQuery<unknown>;
  /** For each parameter of the compiled SQL: the argument it takes, or undefined for a constant. */
  slots: Array<string | undefined>;
}

const MARK = '\u0000arg:';

export function prepare<A extends Record<string, unknown>, O>(
  build: (db: Db, arg: Arg<A>) => Compilable<O>,
): Prepared<A, O> {
  // One template per dialect adapter: a process has one store, tests may open both kinds.
  const templates = new WeakMap<object, Template>();
  const template = (db: Db | Tx): Template => {
    const adapter = db.getExecutor().adapter;
    let found = templates.get(adapter);
    if (!found) {
      const arg = ((name: string) => `${MARK}${name}`) as Arg<A>;
      const compiled = build(db as Db, arg).compile() as CompiledQuery<unknown>;
      const slots = compiled.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(MARK) ? value.slice(MARK.length) : undefined,
      );
      found = { compiled, slots };
      templates.set(adapter, found);
      if (adapter instanceof PostgresAdapter) nameStatement(compiled.sql);
    }
    return found;
  };
  const execute = (db: Db | Tx, args: A): Promise<QueryResult<O>> => {
    const { compiled, slots } = template(db);
    const parameters = slots.map((slot, i) => (slot === undefined ? compiled.parameters[i] : args[slot]));
    return db.executeQuery<O>({ ...compiled, parameters } as CompiledQuery<O>);
  };
  return {
    all: async (db, args) => (await execute(db, args)).rows,
    first: async (db, args) => (await execute(db, args)).rows[0],
    one: async (db, args) => {
      const row = (await execute(db, args)).rows[0];
      if (row === undefined) throw new Error(`no row from ${template(db).compiled.sql}`);
      return row;
    },
    run: execute,
  };
}
