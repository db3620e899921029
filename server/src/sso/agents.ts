import { sql } from 'kysely';
import type { App } from '../apps/apps.ts';
import { systemBy } from '../audit/audit.ts';
import type { Ctx } from '../events/context.ts';
import type { Db } from '../store/database.ts';
import type { AgentRole, UserRow } from '../store/schema.ts';
import { createAgent, setAgentRole } from '../users/agents.ts';
import { isDomainError } from '../util/errors.ts';
import { randomToken } from '../util/secrets.ts';
import type { SsoIdentity } from './claims.ts';

/**
 * The agent whose contact is this e-mail, compared case-insensitively (providers and people write
 * e-mails with varying case); an exact match wins when two contacts differ only in case.
 */
export async function agentByEmail(db: Db, appId: string, email: string): Promise<UserRow | undefined> {
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('appId', '=', appId)
    .where('role', '=', 'agent')
    .where(sql<string>`lower(contact)`, '=', email.toLowerCase())
    .limit(10)
    .execute();
  return rows.find((row) => row.contact === email) ?? (rows.length === 1 ? rows[0] : undefined);
}

/**
 * `sso.autoCreate`: a new agent named by the provider, in every room of the app, with a random
 * password nobody knows (it signs in through the provider; an admin may set one later).
 */
export async function createSsoAgent(
  ctx: Ctx,
  app: App,
  identity: SsoIdentity,
  role: AgentRole | undefined,
): Promise<UserRow | undefined> {
  try {
    await createAgent(
      ctx,
      app,
      {
        ...(role ? { role } : {}),
        name: identity.name,
        contact: identity.email,
        password: randomToken(32),
        rooms: app.settings.rooms.map((room) => room.id),
      },
      systemBy('sso'),
    );
  } catch (error) {
    // A second sign-in of the same new person created it meanwhile: use that one.
    if (!isDomainError(error, 'conflict')) throw error;
  }
  return agentByEmail(ctx.store.db, app.id, identity.email);
}

/** `sso.roleClaim`: the provider is the source of the role, at every sign-in (docs/people.md). */
export async function applyClaimedRole(
  ctx: Ctx,
  app: App,
  agent: UserRow,
  role: AgentRole | undefined,
): Promise<void> {
  if (role === undefined || (agent.agentRole ?? 'agent') === role) return;
  await setAgentRole(ctx, app, agent.id, role, systemBy('sso'));
}
