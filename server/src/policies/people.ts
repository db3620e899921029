import { decodeRooms } from '../store/json.ts';
import type { AgentRole, UserRow } from '../store/schema.ts';
import { forbidden } from '../util/errors.ts';
import type { Actor } from './actor.ts';

/**
 * People's roles (docs/people.md): every agent is `agent`, `supervisor` or `admin`.
 * - agent: serves its rooms (the rules of chats.ts, users.ts, …).
 * - supervisor: also oversees every chat of its rooms: superviseRoom is the one question later
 *   features (watching, intervening, notes, reports) ask.
 * - admin: acts as the app (actor.ts, actingAs), so it may do whatever the secret may.
 * The role is read with the token on every request; nothing caches it.
 */

/** An agent's role; undefined for end users. */
export function roleOf(user: UserRow): AgentRole | undefined {
  if (user.role !== 'agent') return undefined;
  return user.agentRole ?? 'agent';
}

export const isAdminPerson = (user: UserRow): boolean => roleOf(user) === 'admin';

/** Whether the actor oversees the room's chats: the app (or an admin acting as it), or a supervisor of that room. */
export function superviseRoom(actor: Actor, roomId: number): boolean {
  const user = actor.user;
  if (user === null) return true;
  return roleOf(user) === 'supervisor' && decodeRooms(user.rooms).includes(roomId);
}

/** 403 unless the actor oversees the room (superviseRoom). */
export function requireSupervisor(actor: Actor, roomId: number): void {
  if (!superviseRoom(actor, roomId))
    throw forbidden('Only a supervisor of this room, an admin or the app may do this');
}

/**
 * A change to people (creating agents, changing them, their roles) made by an admin person is checked
 * again on its own row read in the change's transaction: a person demoted meanwhile changes nothing.
 * `current` is that row (undefined when it is gone).
 */
export function requireStillAdmin(actor: Actor, current: UserRow | undefined): void {
  if (actor.person === undefined) return;
  if (current === undefined || !isAdminPerson(current))
    throw forbidden('Only the app secret or an admin may do this');
}
