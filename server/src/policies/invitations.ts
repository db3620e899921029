import type { UserRow } from '../store/schema.ts';
import { badRequest, forbidden } from '../util/errors.ts';
import type { Actor } from './actor.ts';

/** POST /invitations/accept|reject: a token answering an invitation must be an agent's. */
export function requireAnsweringAgent(actor: Actor, verb: 'accept' | 'reject'): void {
  if (actor.user && actor.user.role !== 'agent') throw forbidden(`Only agents ${verb} invitations`);
}

/** No pending invitation for the named agent: 403 when a token named someone else, else 404 is due. */
export function requireOwnInvitation(actor: Actor, named: string | undefined): void {
  if (actor.user && named !== undefined && named !== actor.user.id)
    throw forbidden('This invitation is not yours');
}

/** POST /invitations with `transfer`: handing a chat over needs the inviting agent's token. */
export function requireTransferInviter(actor: Actor, transfer: boolean | undefined): UserRow | null {
  const inviter = actor.user ?? actor.person ?? null;
  if (transfer && inviter === null) {
    throw badRequest('A transfer needs an inviting agent: use an agent token', [
      { field: 'transfer', message: 'needs an agent token' },
    ]);
  }
  return inviter;
}
