import type { AuditActor, AuditBy } from '../audit/audit.ts';
import type { UserRow } from '../store/schema.ts';
import type { Actor } from './actor.ts';
import type { Principal } from './credentials.ts';

/** An agent as the audit log names it: its id, and its name as it was then. */
const agentActor = (user: UserRow): AuditActor => ({ kind: 'agent', id: user.id, name: user.name });

/**
 * Who an audit entry says acted (docs/security.md, "Audit log"): an admin person or an agent acting
 * on itself is `agent`; the app server is `secret`.
 */
export function auditActor(actor: Actor): AuditActor {
  const person = actor.user ?? actor.person;
  return person ? agentActor(person) : { kind: 'secret' };
}

/** The same for the operator routes, which see the credentials themselves (the admin key too). */
export function auditActorOfPrincipal(principal: Principal): AuditActor {
  if (principal.kind === 'admin') return { kind: 'admin-key' };
  if (principal.kind === 'token') return agentActor(principal.user);
  return { kind: 'secret' };
}

export const auditBy = (actor: Actor, ip: string | undefined): AuditBy => ({ actor: auditActor(actor), ip });

export const auditByPrincipal = (principal: Principal, ip: string | undefined): AuditBy => ({
  actor: auditActorOfPrincipal(principal),
  ip,
});
