import type { App } from '../apps/apps.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { type Actor, actingUserId } from '../policies/actor.ts';
import {
  checkHistorySenders,
  type HistoryEntry,
  isParticipant,
  requireChatOpener,
  requireEndUserCreator,
  requireJoinAsker,
  requireJoiner,
  requireOpen,
} from '../policies/chats.ts';
import { requireAllowedTags, requireTagsToClose } from '../policies/tags.ts';
import { isUniqueViolation, type Tx } from '../store/database.ts';
import type { ChatRow, UserRow } from '../store/schema.ts';
import { presentUsers } from '../users/present.ts';
import { requireUser } from '../users/users.ts';
import { badRequest, conflict } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';
import { type Chat as ChatView, presentChat } from '../wire/chat.ts';
import type { User as UserView } from '../wire/user.ts';
import { chatFor, loadChat, lockedChatFor, participantsOf } from './access.ts';
import { closeChatInTx } from './close.ts';
import { appendHistory, listHistoryEntries } from './history.ts';
import { addAgentToChat, removeFromChat } from './membership.ts';
import { closedRoom, openOffHours } from './off-hours.ts';
import { chatRouting } from './routing-hooks.ts';
import {
  chatById,
  insertChat,
  insertParticipant,
  lockAny,
  replaceChatTags,
  updateChatRow,
  usersInOrder,
} from './statements.ts';
import { watcherUsers } from './watchers.ts';

/** The chat commands (docs/api.md): each change is one transaction, checked against what it reads there. */

export interface ChatInput {
  creator?: string;
  room?: number;
  lang?: string;
  source?: number;
  externalId?: string;
  priority?: number;
  history?: HistoryEntry[];
}

export function checkRoom(app: App, room: number): void {
  if (!app.settings.rooms.some((r) => r.id === room)) {
    throw badRequest(`Unknown room ${room}`, [{ field: 'room', message: `unknown room ${room}` }]);
  }
}

export function checkLang(app: App, lang: string): void {
  if (!app.settings.langs.includes(lang)) {
    throw badRequest(`Unknown lang ${lang}`, [
      { field: 'lang', message: `must be one of ${app.settings.langs.join(', ')}` },
    ]);
  }
}

/** The chat as this transaction leaves it. */
async function presentFresh(tx: Tx, id: string): Promise<ChatView> {
  return presentChat(await chatById.one(tx, { id }), await participantsOf(tx, id));
}

async function creatorOf(tx: Tx, actor: Actor, named: string | undefined): Promise<UserRow> {
  if (actor.user) {
    requireChatOpener(actor.user, named);
    return actor.user;
  }
  if (named === undefined)
    throw badRequest('creator is required', [{ field: 'creator', message: 'is required' }]);
  const creator = await requireUser(tx, actor.app.id, named, 'Creator not found');
  requireEndUserCreator(creator);
  return creator;
}

/** POST /chats — opens a chat for an end user (one open chat each) and announces it. */
export async function createChat(ctx: Ctx, actor: Actor, input: ChatInput): Promise<ChatView> {
  const { app } = actor;
  try {
    return await commitChange(ctx, app.id, async (tx, emit) => {
      const creator = await creatorOf(tx, actor, input.creator);
      if (input.history) checkHistorySenders(actor, [creator.id], input.history);
      const room = input.room ?? app.settings.rooms[0]!.id;
      checkRoom(app, room);
      const roomLangs = app.settings.rooms.find((r) => r.id === room)?.langs;
      const lang = input.lang ?? roomLangs?.[0] ?? app.settings.langs[0]!;
      checkLang(app, lang);
      const now = nowSeconds();
      const row: ChatRow = {
        id: newId(),
        appId: app.id,
        creator: creator.id,
        room,
        lang,
        source: input.source ?? 3,
        externalId: input.externalId ?? null,
        status: 'waiting',
        inQueue: 0,
        priority: input.priority ?? 0,
        lastSeq: 0,
        lastActivity: now,
        created: now,
        closed: null,
        closedBy: null,
        ticketId: null,
        queuePosition: null,
        tags: '[]',
        watchers: 0,
        rating: null,
        erased: null,
      };
      await insertChat(tx, row);
      await insertParticipant.run(tx, { chatId: row.id, userId: creator.id, appId: app.id, joined: now });
      if (input.history && input.history.length > 0) await appendHistory(tx, row, input.history);
      const offHours = await closedRoom(tx, app, room);
      const view = presentChat(row, [creator.id]);
      if (offHours) view.offHours = true;
      await emit({ trigger: 'chats:create', chatId: row.id, data: { chat: view } });
      if (offHours) return openOffHours(tx, emit, app, row, view, offHours);
      await chatRouting().created(tx, emit, app, row);
      // Queue mode gave the chat its place: answer with it. Otherwise routing left the row as it was.
      if (!app.settings.queue.active) return view;
      return presentChat(await chatById.one(tx, { id: row.id }), [creator.id]);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('User already has a chat');
    throw error;
  }
}

export type ChatWithFields = Omit<ChatView, 'users'> & {
  users: string[] | UserView[];
  history?: HistoryEntry[];
  watchers?: UserView[];
};

/**
 * GET /chats/{id} — with `fields=users` the participants as User objects, with `history` the imported
 * bot lines, with `watchers` who watches it (staff and the app only: never shown to an end user).
 */
export async function getChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  fields: string[] = [],
): Promise<ChatWithFields> {
  const chat = await chatFor(ctx, actor, id, 'view');
  const view: ChatWithFields = presentChat(chat.row, chat.users);
  if (fields.includes('users')) {
    const rows = await usersInOrder(ctx.store.db, chat.users);
    view.users = await presentUsers(ctx.store.db, rows, actor.app.settings, actor.user);
  }
  if (fields.includes('history')) view.history = await listHistoryEntries(ctx.store.db, chat.row.id);
  if (fields.includes('watchers')) {
    const watchers = await watcherUsers(ctx.store.db, actor, chat.row.id);
    if (watchers) view.watchers = watchers;
  }
  return view;
}

/** PUT /chats/{id} — priority, externalId, lang, room; tags also once closed (wrap-up). */
export async function updateChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { priority?: number; externalId?: string; lang?: string; room?: number; tags?: string[] },
): Promise<ChatView> {
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    const chat = await lockedChatFor(tx, actor, id, 'agentInChat');
    const { tags, ...others } = input;
    if (Object.keys(others).length > 0) requireOpen(chat);
    if (tags !== undefined) requireAllowedTags(actor.app.settings, tags);
    if (input.room !== undefined) checkRoom(actor.app, input.room);
    if (input.lang !== undefined) checkLang(actor.app, input.lang);
    const changes: Partial<ChatRow> = {};
    if (input.priority !== undefined) changes.priority = input.priority;
    if (input.externalId !== undefined) changes.externalId = input.externalId;
    if (input.lang !== undefined) changes.lang = input.lang;
    if (input.room !== undefined) changes.room = input.room;
    if (tags !== undefined) changes.tags = JSON.stringify([...new Set(tags)]);
    if (Object.keys(changes).length > 0) await updateChatRow(tx, id, changes);
    if (tags !== undefined) await replaceChatTags(tx, actor.app.id, id, [...new Set(tags)]);
    const updated = await chatById.one(tx, { id });
    if (input.room !== undefined && input.room !== chat.row.room) {
      await chatRouting().roomChanged(tx, emit, actor.app, updated, chat.row.room);
    } else if (input.priority !== undefined && updated.inQueue === 1) {
      await chatRouting().priorityChanged(tx, emit, actor.app, updated);
    }
    return presentFresh(tx, id);
  });
}

/** DELETE /chats/{id} — the closer is the token's user, `?userId=`, or `"system"` for the app server. */
export async function closeChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { userId?: string; extraData?: Record<string, unknown> },
): Promise<ChatView> {
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    const chat = await lockedChatFor(tx, actor, id, 'participate');
    requireOpen(chat);
    requireTagsToClose(actor, actor.app.settings, chat.row);
    const closer = actingUserId(actor, input.userId) ?? 'system';
    if (actor.user === null && input.userId !== undefined) await requireUser(tx, actor.app.id, input.userId);
    const closed = await closeChatInTx(tx, emit, actor.app, id, closer, input.extraData);
    return presentChat(closed.row, closed.users);
  });
}

/** POST /chats/{id}/join — an agent of the chat's room joins, taking one of their slots atomically. */
export async function joinChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { userId?: string },
): Promise<ChatView> {
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    await lockAny.run(tx, { id });
    const chat = await loadChat(tx, actor.app.id, id);
    requireJoinAsker(actor, chat);
    requireOpen(chat);
    const userId = actingUserId(actor, input.userId);
    if (userId === undefined)
      throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
    const joiner = await requireUser(tx, actor.app.id, userId);
    requireJoiner(joiner, chat);
    if (isParticipant(chat, userId)) return presentChat(chat.row, chat.users);
    await addAgentToChat(tx, emit, actor.app, id, joiner);
    return presentFresh(tx, id);
  });
}

/** PUT /chats/{id}/leave — a participant leaves; the creator leaving closes the chat. */
export async function leaveChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { userId?: string },
): Promise<ChatView> {
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    const chat = await lockedChatFor(tx, actor, id, 'view');
    requireOpen(chat);
    const userId = actingUserId(actor, input.userId);
    if (userId === undefined)
      throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
    if (!isParticipant(chat, userId)) throw conflict('User is not in this chat');
    const { wasAgent, agentsLeft } = await removeFromChat(tx, emit, id, userId);
    if (userId === chat.row.creator) {
      await closeChatInTx(tx, emit, actor.app, id, userId, { reason: 'left' });
    } else if (wasAgent) {
      await chatRouting().agentLeft(tx, emit, actor.app, await chatById.one(tx, { id }), agentsLeft);
    }
    return presentFresh(tx, id);
  });
}

/** GET /chats/{id}/users */
export async function chatUsers(ctx: Ctx, actor: Actor, id: string): Promise<UserView[]> {
  const chat = await chatFor(ctx, actor, id, 'view');
  const rows = await usersInOrder(ctx.store.db, chat.users);
  return presentUsers(ctx.store.db, rows, actor.app.settings, actor.user);
}
