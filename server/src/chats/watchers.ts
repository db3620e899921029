import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { isParticipant, type LoadedChat, requireOpen } from '../policies/chats.ts';
import {
  mayListWatchers,
  requireStaff,
  requireSupervisorOf,
  requireWatchStopper,
  supervisingUserId,
} from '../policies/supervision.ts';
import type { Db, Tx } from '../store/database.ts';
import { presentUsers } from '../users/present.ts';
import { requireUser } from '../users/users.ts';
import { conflict } from '../util/errors.ts';
import { nowSeconds } from '../util/time.ts';
import { presentChat, type WatchedChat } from '../wire/chat.ts';
import type { User } from '../wire/user.ts';
import { loadChat, participantsOf } from './access.ts';
import { lockAny, usersInOrder } from './statements.ts';
import {
  chatsWatchedBy,
  deleteWatcher,
  deleteWatchersOfChat,
  insertWatcher,
  watchedRoomsOf,
  watchersOf,
} from './watchers-sql.ts';

/**
 * Supervision's watch (docs/people.md, "Supervision"): a supervisor, an admin or an agent the app
 * names hears every event of a chat, notes included, without taking part in it. Watchers are not
 * participants: not in `chat.users`, no `chats:join`, no slot, routing never sees them. The realtime
 * audience of each event of the chat includes them (events/audience.ts reads them with the
 * participants), so live pushes and replays after a reconnect agree. A watch ends when the watcher
 * stops it, when the chat closes, when the watcher intervenes (it then takes part) or is
 * deactivated; it survives a sign-out, as taking part in a chat does.
 */

/** Who hears an event of `chat`: its participants and, when there are any, its watchers. */
export async function hearersOf(tx: Tx, chat: LoadedChat): Promise<string[]> {
  if (!chat.row.watchers) return chat.users;
  return [...chat.users, ...(await watchersOf(tx, chat.row.id))];
}

/** The watchers of a chat, read only when the chat row says there are some (for notes). */
export async function watchersIfAny(tx: Tx, chat: LoadedChat): Promise<string[]> {
  return chat.row.watchers ? watchersOf(tx, chat.row.id) : [];
}

/** `watchers` of `GET /chats/{id}?fields=watchers`: the watchers as User objects, for staff only. */
export async function watcherUsers(db: Db, actor: Actor, chatId: string): Promise<User[] | undefined> {
  if (!mayListWatchers(actor)) return undefined;
  const rows = await usersInOrder(db, await watchersOf(db, chatId));
  return presentUsers(db, rows, actor.app.settings, actor.user);
}

async function presentWatched(tx: Tx, actor: Actor, chat: LoadedChat): Promise<WatchedChat> {
  const view = presentChat(chat.row, await participantsOf(tx, chat.row.id));
  const rows = await usersInOrder(tx, await watchersOf(tx, chat.row.id));
  return { ...view, watchers: await presentUsers(tx as Db, rows, actor.app.settings, actor.user) };
}

/** POST /chats/{id}/watchers — starts watching (again: nothing changes). A closed chat is a 409. */
export async function watchChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { userId?: string },
): Promise<WatchedChat> {
  return commitChange(ctx, actor.app.id, async (tx) => {
    await lockAny.run(tx, { id });
    const chat = await loadChat(tx, actor.app.id, id);
    requireSupervisorOf(actor, chat);
    const userId = supervisingUserId(actor, input.userId);
    const watcher = await requireUser(tx, actor.app.id, userId);
    requireStaff(watcher);
    requireOpen(chat);
    if (isParticipant(chat, userId)) throw conflict('User is in this chat: it hears it already');
    await insertWatcher(tx, { chatId: id, userId, appId: actor.app.id, since: nowSeconds() });
    return presentWatched(tx, actor, await loadChat(tx, actor.app.id, id));
  });
}

/** DELETE /chats/{id}/watchers/{userId} — stops a watch; stopping one that is not on changes nothing. */
export async function unwatchChat(ctx: Ctx, actor: Actor, id: string, userId: string): Promise<WatchedChat> {
  return commitChange(ctx, actor.app.id, async (tx) => {
    await lockAny.run(tx, { id });
    const chat = await loadChat(tx, actor.app.id, id);
    requireWatchStopper(actor, chat, userId);
    await deleteWatcher(tx, id, userId);
    return presentWatched(tx, actor, await loadChat(tx, actor.app.id, id));
  });
}

/** A chat closed: its watches end (after `chats:close`, which they still hear). */
export async function endWatchesOfChat(tx: Tx, chatId: string): Promise<void> {
  await deleteWatchersOfChat(tx, chatId);
}

/** An agent deactivated: its watches end. Each chat row is locked first (the departure's order). */
export async function endWatchesOf(tx: Tx, userId: string): Promise<void> {
  for (const chatId of await chatsWatchedBy(tx, userId)) {
    await lockAny.run(tx, { id: chatId });
    await deleteWatcher(tx, chatId, userId);
  }
}

/**
 * An agent's role or rooms change: the watches it could not start itself any more end (a supervisor
 * keeps those of its rooms, an admin every one, an agent none). Each chat row is locked first.
 */
export async function endWatchesBeyond(
  tx: Tx,
  userId: string,
  role: string,
  rooms: readonly number[],
): Promise<void> {
  if (role === 'admin') return;
  for (const { chatId, room } of await watchedRoomsOf(tx, userId)) {
    if (role === 'supervisor' && rooms.includes(room)) continue;
    await lockAny.run(tx, { id: chatId });
    await deleteWatcher(tx, chatId, userId);
  }
}
