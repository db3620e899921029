import { decodeRooms } from '../store/json.ts';
import type { UserRow } from '../store/schema.ts';
import { badRequest, forbidden, notFound } from '../util/errors.ts';
import type { Actor } from './actor.ts';

/** What the visibility rule needs to know beyond the two rows (asked only when it matters). */
export interface UserVisibilityFacts {
  shareAChat(): Promise<boolean>;
  /** Whether the target opened a chat in one of these rooms. */
  openedChatIn(rooms: number[]): Promise<boolean>;
}

/** Whether a token's user may see `target`: themself, someone sharing a chat, or (agents) any agent. */
export async function mayViewUser(
  viewer: UserRow,
  target: UserRow,
  facts: UserVisibilityFacts,
): Promise<boolean> {
  if (viewer.id === target.id) return true;
  if (viewer.role === 'agent' && target.role === 'agent') return true;
  if (await facts.shareAChat()) return true;
  if (viewer.role === 'agent') {
    // Agents see the creators of chats in their rooms, e.g. a waiting chat they are offered.
    const rooms = decodeRooms(viewer.rooms);
    if (rooms.length === 0) return false;
    return facts.openedChatIn(rooms);
  }
  return false;
}

/** GET /users/{id}: someone a token may not see does not exist for it. */
export async function requireVisibleUser(
  actor: Actor,
  target: UserRow,
  facts: UserVisibilityFacts,
): Promise<void> {
  if (actor.user && !(await mayViewUser(actor.user, target, facts))) throw notFound('User not found');
}

/** PUT /users/{id}: a token changes only its own profile, and agents use /agents/{id}. */
export function requireProfileEditor(actor: Actor, target: UserRow): void {
  if (actor.user && actor.user.id !== target.id) throw forbidden('You may only change your own profile');
  // Agents edit themselves through PUT /agents/{id}, which limits them to nickname, password and status;
  // without this, PUT /users would let them rename themselves or change their login contact.
  if (actor.user?.role === 'agent') throw forbidden('Agents change their profile through /agents/{id}');
}

const SELF_EDITABLE = new Set(['nickname', 'password', 'status']);

/** PUT /agents/{id} by a token: an agent changes only itself, and only nickname, password and status. */
export function requireAgentEditor(actor: Actor, agent: UserRow, fields: string[]): void {
  if (!actor.user) return;
  if (actor.user.id !== agent.id) throw forbidden('Agents may only change their own profile');
  const others = fields.filter((k) => !SELF_EDITABLE.has(k));
  if (others.length > 0) throw forbidden(`Agents may not change ${others.join(', ')}`);
}

/** POST /agents/logout: a token logs out only itself; the app server names the agent (an admin: itself by default). */
export function agentToLogOut(actor: Actor, named: string | undefined): string {
  if (actor.user) {
    if (named !== undefined && named !== actor.user.id) throw forbidden('Agents may only log themselves out');
    return actor.user.id;
  }
  const agentId = named ?? actor.person?.id;
  if (agentId === undefined)
    throw badRequest('agentId is required', [{ field: 'agentId', message: 'is required' }]);
  return agentId;
}

/** POST /users/{id}/activity: a token reports only its own typing. */
export function requireOwnActivity(actor: Actor, userId: string): void {
  if (actor.user && actor.user.id !== userId) throw forbidden('You may only report your own activity');
}
