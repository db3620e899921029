import type { UserRow } from '../store/schema.ts';

/**
 * The one rule on internal notes (docs/security.md, "Internal notes"): a message with visibility
 * `agents` is seen by the app server (its secret: the event stream, webhooks, every REST read) and
 * by agents, never by an end user. Every path that shows messages asks this module: the realtime
 * audience of an event (events/audience.ts, stored with the event, so live pushes and replays
 * agree), REST reads, history export, and the ticket's transcript. Roles added later (supervisors,
 * admins) are readers here.
 */
export type Visibility = 'all' | 'agents';

/** Who reads: a user (by role), or `null` for the app server. */
export type Reader = Pick<UserRow, 'role'> | null;

/** An end user, as a reader: for what may reach one (a ticket's transcript). */
export const END_USER: Reader = { role: 'user' };

/** Whether `reader` may see notes. */
export function seesNotes(reader: Reader): boolean {
  return reader === null || reader.role === 'agent';
}

export const isNote = (message: { visibility?: Visibility | undefined }): boolean =>
  message.visibility === 'agents';

/** The visibility of the messages a reader may see: every one, or only `all`. */
export function visibleFor(reader: Reader): readonly Visibility[] {
  return seesNotes(reader) ? ['all', 'agents'] : ['all'];
}
