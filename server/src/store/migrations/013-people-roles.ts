import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../database.ts';

/**
 * An agent's role in its team (docs/people.md): `agent`, `supervisor` or `admin`, null for end users.
 * A column of its own beside `role` (user or agent), which routing and every rule read as "is staff";
 * the User object shows this one as an agent's `role`. Existing agents become `agent`.
 */
export function peopleRoles(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('users').addColumn('agent_role', 'text').execute();
      await sql`update users set agent_role = 'agent' where role = 'agent'`.execute(db);
    },
  };
}
