import type { App } from '../apps/apps.ts';
import type { UserRow } from '../store/schema.ts';
import { forbidden } from '../util/errors.ts';

/**
 * Who is acting inside an app: the app server itself (secret; `user` is null, full access)
 * or one signed-in user or agent (token).
 */
export interface Actor {
  app: App;
  user: UserRow | null;
  /** The digest of the token a user acts with: its session (docs/security.md, "Sessions"). */
  session?: string;
}

export const isAppServer = (actor: Actor): boolean => actor.user === null;
export const isAgent = (actor: Actor): boolean => actor.user?.role === 'agent';

/** The agent's row, or 403 for anyone else (the app server included, which has its own paths). */
export function requireAgentToken(actor: Actor): UserRow {
  if (actor.user?.role !== 'agent') throw forbidden('Only agents may do this');
  return actor.user;
}

/**
 * The user an action is performed as: the token's user, or for the app server the user it names.
 * A token may not act as someone else.
 */
export function actingUserId(actor: Actor, named: string | undefined, field = 'userId'): string | undefined {
  if (actor.user === null) return named;
  if (named !== undefined && named !== actor.user.id) throw forbidden(`${field} must be your own user id`);
  return actor.user.id;
}
