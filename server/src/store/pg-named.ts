import pg from 'pg';

/**
 * PostgreSQL named (server-side prepared) statements for the hot statements. Kysely sends every query
 * unnamed, so PostgreSQL parses, analyses and plans it again on each call — for the send path's CTEs
 * that is a good part of the server's CPU per message. The texts of `prepare()` and of the raw helpers
 * are registered here; the pool's clients send a registered text under its name, so each connection
 * parses it once and may keep a generic plan.
 *
 * A prepared statement keeps its result's row type: if a migration changes a table under a running
 * node (`select *`), PostgreSQL refuses it once per connection ("cached plan must not change result
 * type", 0A000). The connection then prepares the text again under a fresh name: a read outside a
 * transaction is asked again at once; a transaction fails (once per connection and statement).
 */
const names = new Map<string, string>();
// Hot texts are a few dozen; texts built from variable IN lists stop being named past this many.
const MAX_NAMED = 400;

/** Sends `text` as a named statement from now on (PostgreSQL only; bounded). */
export function nameStatement(text: string): void {
  if (names.size < MAX_NAMED && !names.has(text)) names.set(text, `sb${names.size}`);
}

/** The pool's client: a registered text with its parameters goes out as a named statement. */
export class NamedStatementClient extends pg.Client {
  /** Texts this connection prepares under another name, after their first name went stale here. */
  readonly renamed = new Map<string, string>();
  private renames = 0;

  /** The name `text` goes under on this connection, if it is registered. */
  nameOf(text: string): string | undefined {
    return this.renamed.get(text) ?? names.get(text);
  }

  /** After 0A000: prepare `text` again under a new name (the old statement stays, unused). */
  rename(text: string, name: string): void {
    this.renamed.set(text, `${name}_${++this.renames}`);
  }
}

type AnyQuery = (this: pg.Client, ...args: unknown[]) => unknown;

NamedStatementClient.prototype.query = function (this: NamedStatementClient, ...args: unknown[]) {
  // Looked up per call, so a wrapper placed on pg.Client (tests count queries) still sees each one.
  const plain = pg.Client.prototype.query as AnyQuery;
  const [text, values, callback] = args;
  const name = typeof text === 'string' && Array.isArray(values) ? this.nameOf(text) : undefined;
  if (name === undefined || callback !== undefined) return plain.apply(this, args);
  const sent = plain.call(this, { name, text, values }) as Promise<unknown>;
  return sent.catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== '0A000') throw error;
    this.rename(text as string, name);
    // Outside a transaction nothing was aborted: ask again at once. Inside, the transaction failed.
    if (this.getTransactionStatus() !== 'I') throw error;
    return plain.call(this, { name: this.nameOf(text as string), text, values });
  });
} as typeof pg.Client.prototype.query;
