import type { Kysely } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * Single sign-on (sso/, docs/security.md "Single sign-on"), in the store so a login started on one
 * node finishes on any other:
 * - `sso_logins`: a login sent to the provider and not back yet, keyed by the digest of its `state`,
 *   with its PKCE verifier, nonce and redirect URI; taken (deleted) by the callback, so used once.
 * - `sso_handoffs`: a login the provider confirmed, keyed by the digest of the one-time code the
 *   console trades for a session; taken once as well.
 * Both live minutes; expired rows are deleted when the next login starts.
 */
export function sso(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('sso_logins')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('verifier', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('expires', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sso_handoffs')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('expires', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
