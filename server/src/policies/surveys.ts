import { decodeRooms } from '../store/json.ts';
import { forbidden } from '../util/errors.ts';
import type { Actor } from './actor.ts';
import { roleOf, superviseRoom } from './people.ts';

/**
 * Who may do what with surveys (docs/surveys.md). Taking a survey is the chat's end user's (or the
 * app server's on its behalf): requireOnChat(…, 'creator') in surveys/surveys.ts. Reading responses:
 */

/**
 * The rooms whose responses the actor reads: undefined = every room (the app secret, an admin);
 * a supervisor's own rooms; 403 for anyone else, and for a supervisor asking for a room it does not
 * supervise.
 */
export function responseRooms(actor: Actor, room: number | undefined): number[] | undefined {
  const user = actor.user;
  if (user === null) return undefined;
  if (roleOf(user) !== 'supervisor')
    throw forbidden('Only the app, an admin or a supervisor reads survey responses');
  if (room !== undefined && !superviseRoom(actor, room)) throw forbidden('You do not supervise this room');
  return decodeRooms(user.rooms);
}
