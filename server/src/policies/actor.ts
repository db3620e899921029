import type { App } from '../apps/apps.ts';
import type { UserRow } from '../store/schema.ts';
import { forbidden } from '../util/errors.ts';
import { isAdminPerson } from './people.ts';

/**
 * Who is acting inside an app: the app server itself (`user` null, full access) or one signed-in
 * user or agent (token). An admin person (docs/people.md) acts as the app: `user` is null, so every
 * rule gives it the secret's powers, and `person` says who it is, where the app would have to name
 * someone (the sender of a message, the agent logging out, …).
 */
export interface Actor {
  app: App;
  user: UserRow | null;
  /** The digest of the token a user acts with: its session (docs/security.md, "Sessions"). */
  session?: string;
  /** The admin person acting as the app; absent for the secret and for tokens acting as themselves. */
  person?: UserRow;
}

/**
 * The one place an admin person's token becomes the app (REST routes and socket requests alike):
 * its role is the one read with its session for this request, so a role change counts from the
 * next request on.
 */
export function actingAs(actor: Actor): Actor {
  const user = actor.user;
  // Spread: whatever else the actor carries about its credential stays with it.
  return user !== null && isAdminPerson(user) ? { ...actor, user: null, person: user } : actor;
}

export const isAppServer = (actor: Actor): boolean => actor.user === null;
export const isAgent = (actor: Actor): boolean => actor.user?.role === 'agent';

/** Who the credential belongs to: the token's user or the admin person; null for the secret. */
export const personOf = (actor: Actor): UserRow | null => actor.user ?? actor.person ?? null;

/** The agent's row, or 403 for anyone else (the app server included, which has its own paths). */
export function requireAgentToken(actor: Actor): UserRow {
  if (actor.user?.role !== 'agent') throw forbidden('Only agents may do this');
  return actor.user;
}

/**
 * The user an action is performed as: the token's user, or for the app server the user it names (an
 * admin person naming no one: itself). A token may not act as someone else.
 */
export function actingUserId(actor: Actor, named: string | undefined, field = 'userId'): string | undefined {
  if (actor.user === null) return named ?? actor.person?.id;
  if (named !== undefined && named !== actor.user.id) throw forbidden(`${field} must be your own user id`);
  return actor.user.id;
}

/** A list's user filter: the app (and an admin person) may filter by anyone or no one; a token sees its own. */
export function listedUserId(actor: Actor, named: string | undefined, field = 'userId'): string | undefined {
  if (actor.user === null) return named;
  return actingUserId(actor, named, field);
}
