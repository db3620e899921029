import { decodeRooms } from '../store/json.ts';
import { forbidden } from '../util/errors.ts';
import type { Actor } from './actor.ts';
import { roleOf } from './people.ts';

/**
 * Who may read reports (docs/reports.md, "Who sees what"): the app secret and admin people, every
 * room (`undefined`); a supervisor, its rooms only, whatever it asks for; everyone else 403.
 */
export function reportRooms(actor: Actor): number[] | undefined {
  const user = actor.user;
  if (user === null) return undefined;
  if (roleOf(user) === 'supervisor') return decodeRooms(user.rooms);
  throw forbidden('Only the app secret, an admin or a supervisor (of its rooms) may read reports');
}

/** The rooms a report covers: the asked room (when the caller may see it), else every room it may see. */
export function reportScope(actor: Actor, room: number | undefined): number[] | undefined {
  const allowed = reportRooms(actor);
  if (room === undefined) return allowed;
  if (allowed !== undefined && !allowed.includes(room))
    throw forbidden('A supervisor sees the reports of its own rooms only');
  return [room];
}

/** The chat export: the app secret and admin people only. */
export function requireExporter(actor: Actor): void {
  if (actor.user !== null) throw forbidden('Only the app secret or an admin may export chats');
}
