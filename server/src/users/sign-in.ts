import type { App } from '../apps/apps.ts';
import { recordAudit } from '../audit/audit.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { requirePasswordSignIn } from '../policies/sign-in.ts';
import { decodeRooms } from '../store/json.ts';
import type { UserRow } from '../store/schema.ts';
import { forbidden, unauthorized } from '../util/errors.ts';
import { hashPassword, verifyPassword } from '../util/secrets.ts';
import type { User as UserView } from '../wire/user.ts';
import { presentAgent } from './agents.ts';
import { agentRouting } from './routing-hooks.ts';
import { createSession, type Session } from './sessions.ts';
import { agentByContact } from './statements.ts';
import { changeAgentRow } from './status.ts';

/** How an agent signed in, for the audit log: by password or by the app's provider, and from where. */
export interface SignIn {
  method: 'password' | 'sso';
  ip?: string | undefined;
}

/** The target id of a refused sign-in whose contact is no agent's. */
export const UNKNOWN_AGENT = 'unknown';

const SUCCEEDED = { password: 'agents.sign_in', sso: 'agents.sso_sign_in' } as const;
const FAILED = { password: 'agents.sign_in_failed', sso: 'agents.sso_sign_in_failed' } as const;

/**
 * A refused sign-in, recorded on its own (it changes nothing): the agent when the contact is one's,
 * otherwise `unknown` — a contact that is nobody's is not written (a typo, or a password typed in the
 * wrong field). Never the password (docs/security.md, "Audit log").
 */
export async function auditFailedSignIn(
  ctx: Ctx,
  appId: string,
  how: SignIn,
  agent: UserRow | undefined,
): Promise<void> {
  const target = { type: 'agent', id: agent?.id ?? UNKNOWN_AGENT };
  const actor = agent
    ? { kind: 'agent' as const, id: agent.id, name: agent.name }
    : { kind: 'agent' as const };
  await recordAudit(ctx.store.db, { appId, by: { actor, ip: how.ip }, action: FAILED[how.method], target });
}

/**
 * POST /agents/login — checks the password (scrypt), opens a session and sets the agent online; with
 * `online: false` (the admin app) the session only, so signing in to manage never routes chats to it.
 */
export async function loginAgent(
  ctx: Ctx,
  app: App,
  input: { contact: string; password: string; online?: boolean },
  ip: string | undefined,
): Promise<{ user: UserView; session: Session }> {
  requirePasswordSignIn(app);
  const row = await agentByContact(ctx.store.db, app.id, input.contact);
  // Verify against a dummy hash when the agent is unknown, so timing does not reveal which contacts exist.
  const ok = await verifyPassword(input.password, row?.passwordHash ?? DUMMY_HASH);
  const how: SignIn = { method: 'password', ip };
  if (!row || !ok) {
    await auditFailedSignIn(ctx, app.id, how, row);
    throw unauthorized('Invalid contact or password');
  }
  return signInAgent(ctx, app, row, how, input.online !== false);
}
const DUMMY_HASH = await hashPassword('switchboard-dummy-password');

/**
 * A sign-in, by password (above) or vouched for by the app's provider (sso/): a session, and status
 * online unless `online` is false (the admin app's sign-in, which must never route chats to it). The
 * session and its audit entry are written in one transaction.
 */
export async function signInAgent(
  ctx: Ctx,
  app: App,
  row: UserRow,
  how: SignIn,
  online = true,
): Promise<{ user: UserView; session: Session }> {
  // Said only to who knows the password or holds the provider's word; a 403 is not a failed try
  // (docs/security.md, "Sessions"), but the log records the refusal.
  if (row.active !== 1) {
    await auditFailedSignIn(ctx, app.id, how, row);
    throw forbidden('This agent is deactivated');
  }
  const entry = {
    appId: app.id,
    by: { actor: { kind: 'agent' as const, id: row.id, name: row.name }, ip: how.ip },
    action: SUCCEEDED[how.method],
    target: { type: 'agent', id: row.id },
  };
  if (!online) {
    const session = await ctx.store.transaction(async (tx) => {
      await recordAudit(tx, entry);
      return createSession(tx, app.id, row.id);
    });
    return { user: await presentAgent(ctx, app, row), session };
  }
  const session = await commitChange(ctx, app.id, async (tx, emit) => {
    await changeAgentRow(tx, emit, row.id, { status: 'online', offRooms: '[]' }, 'login');
    await agentRouting().availabilityChanged(tx, app, decodeRooms(row.rooms));
    await recordAudit(tx, entry);
    return createSession(tx, app.id, row.id);
  });
  return { user: await presentAgent(ctx, app, { ...row, status: 'online', offRooms: '[]' }), session };
}
