import { decodeRooms } from '../store/json.ts';
import type { CannedRow } from '../store/schema.ts';
import { forbidden, invalidField, notFound } from '../util/errors.ts';
import type { Actor } from './actor.ts';
import { superviseRoom } from './people.ts';

/**
 * Who may do what with canned responses (docs/web.md, "Canned responses"). Shared ones (`ownerId`
 * null) belong to the app; an agent has its own beside them.
 */

/**
 * THE rule on who manages shared canned responses (creates, edits, deletes them), for responses
 * meant for `rooms` (null or empty = every room): the app secret and admins (who act as the app),
 * and a supervisor for responses of rooms it supervises (docs/people.md) — not the every-room ones.
 */
export function mayManageShared(actor: Actor, rooms: readonly number[] | null): boolean {
  if (actor.user === null) return true;
  return rooms !== null && rooms.length > 0 && rooms.every((room) => superviseRoom(actor, room));
}

/** Only agents (and the app server) have canned responses; an end user's token has none to see. */
export function requireCannedUser(actor: Actor): void {
  if (actor.user !== null && actor.user.role !== 'agent') throw forbidden('Only agents use canned responses');
}

/** What an agent sees: its own, and the shared ones for every room or for one of its rooms. */
export function mayViewCanned(actor: Actor, row: CannedRow): boolean {
  const user = actor.user;
  if (user === null) return true;
  if (row.ownerId !== null) return row.ownerId === user.id;
  if (row.rooms === null) return true;
  const mine = decodeRooms(user.rooms);
  return decodeRooms(row.rooms).some((room) => mine.includes(room));
}

/** PUT and DELETE: 404 for what the caller cannot see, 403 for a shared one it may only read. */
export function requireCannedEditor(actor: Actor, row: CannedRow): void {
  if (!mayViewCanned(actor, row)) throw notFound('Canned response not found');
  if (row.ownerId === null && !mayManageShared(actor, row.rooms === null ? null : decodeRooms(row.rooms)))
    throw forbidden('Only an administrator may change shared canned responses');
}

/**
 * The owner of a new response: the app server's are shared; a person's are its own unless it asks
 * for a shared one (`shared: true`) and may manage those.
 */
export function ownerOfNew(actor: Actor, shared: boolean | undefined, rooms: number[] | null): string | null {
  requireCannedUser(actor);
  const user = actor.user;
  if (user === null) {
    if (shared === false) throw invalidField('shared', 'the app secret creates shared responses only');
    return null;
  }
  if (!shared) return user.id;
  if (!mayManageShared(actor, rooms))
    throw forbidden('Only an administrator may create shared canned responses');
  return null;
}
