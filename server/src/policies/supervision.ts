import type { UserRow } from '../store/schema.ts';
import { badRequest, forbidden, notFound } from '../util/errors.ts';
import { type Actor, actingUserId } from './actor.ts';
import { type LoadedChat, mayOnChat } from './chats.ts';
import { superviseRoom } from './people.ts';

/**
 * Supervision (docs/people.md, "Supervision"): watching a chat silently and intervening in it.
 * - Who may ask: a supervisor of the chat's room (token), an admin person or the app secret. Whoever
 *   may not even see the chat gets 404 (tenancy, other rooms); whoever sees it but may not supervise
 *   it (its agents, its end user) 403.
 * - Who watches or intervenes: the token's own person; the app names an agent (`userId`), an admin
 *   person by default itself.
 */
export function requireSupervisorOf(actor: Actor, chat: LoadedChat): void {
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
  if (!superviseRoom(actor, chat.row.room))
    throw forbidden('Only a supervisor of this room, an admin or the app may do this');
}

/** The person who watches or intervenes, by id: a token itself, the app the agent it names. */
export function supervisingUserId(actor: Actor, named: string | undefined): string {
  const userId = actingUserId(actor, named);
  if (userId === undefined)
    throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
  return userId;
}

/** Only staff watch or intervene: never an end user (who would then hear notes). */
export function requireStaff(user: UserRow): void {
  if (user.role !== 'agent') throw forbidden('Only agents watch or intervene in chats');
}

/**
 * Who may stop a watch: the watcher itself (a token naming itself, which must be staff: an end
 * user has none) or the app (secret, admin person) for anyone. 404 when the chat is not theirs to see.
 */
export function requireWatchStopper(actor: Actor, chat: LoadedChat, userId: string): void {
  if (!mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
  if (actor.user === null) return;
  if (actor.user.role !== 'agent') throw forbidden('Only agents watch chats');
  if (actor.user.id !== userId) throw forbidden('userId must be your own user id');
}

/** Who is told who watches a chat: staff and the app; an end user never (the field is left out). */
export function mayListWatchers(actor: Actor): boolean {
  return actor.user === null || actor.user.role === 'agent';
}

/** A whisper: a note's writer may be a watcher of the chat instead of a participant. */
export function mayWhisper(
  visibility: string | undefined,
  watchers: readonly string[],
  sender: string,
): boolean {
  return visibility === 'agents' && watchers.includes(sender);
}
