import type { App } from '../apps/apps.ts';
import { commitChange, type Emit } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { type Actor, actingUserId } from '../policies/actor.ts';
import {
  routeAfterLeave,
  routeClosedChat,
  routeJoinedChat,
  routeNewChat,
  routeRoomChange,
} from '../routing/hooks.ts';
import { renumberQueue } from '../routing/queue.ts';
import { isUniqueViolation, type Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { ChatRow, UserRow } from '../store/schema.ts';
import { createTicketOnClose } from '../tickets/tickets.ts';
import { presentUsers } from '../users/present.ts';
import { requireUser } from '../users/users.ts';
import { badRequest, conflict, forbidden, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { type Chat as ChatView, presentChat } from '../wire/chat.ts';
import type { User as UserView } from '../wire/user.ts';
import {
  chatFor,
  isParticipant,
  type LoadedChat,
  loadChat,
  mayOnChat,
  participantsOf,
  requireOpen,
} from './access.ts';
import { appendHistory, checkHistorySenders, type HistoryEntry, listHistoryEntries } from './history.ts';

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

async function reload(tx: Tx, id: string): Promise<LoadedChat> {
  const row = await tx.selectFrom('chats').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return { row, users: await participantsOf(tx, id) };
}

/**
 * Takes the chat's row lock (PostgreSQL; SQLite transactions are serial anyway) and fails with 409 when
 * the chat closed meanwhile. Every change to an open chat starts here, so none slips past a close.
 */
export async function lockOpenChat(tx: Tx, chatId: string, touch = false): Promise<void> {
  const result = touch
    ? await touchOpenChat.run(tx, { id: chatId, now: nowSeconds() })
    : await lockOpen.run(tx, { id: chatId });
  if (Number(result.numAffectedRows ?? 0) === 0) throw conflict('Chat is closed');
}

/** Takes the chat's row lock whatever its status (PostgreSQL); the first step of routing's transactions. */
export async function lockChatRow(tx: Tx, chatId: string): Promise<void> {
  await lockAny.run(tx, { id: chatId });
}

const lockOpen = prepare<{ id: string }, unknown>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb.ref('lastSeq') }))
    .where('id', '=', arg('id'))
    .where('status', '<>', 'closed'),
);

const touchOpenChat = prepare<{ id: string; now: number }, unknown>((db, arg) =>
  db
    .updateTable('chats')
    .set({ lastActivity: arg('now') })
    .where('id', '=', arg('id'))
    .where('status', '<>', 'closed'),
);

const lockAny = prepare<{ id: string }, unknown>((db, arg) =>
  db
    .updateTable('chats')
    .set((eb) => ({ lastSeq: eb.ref('lastSeq') }))
    .where('id', '=', arg('id')),
);

/** POST /chats — opens a chat for an end user (one open chat each) and announces it. */
export async function createChat(ctx: Ctx, actor: Actor, input: ChatInput): Promise<ChatView> {
  const { app } = actor;
  let creator: UserRow;
  if (actor.user) {
    if (actor.user.role !== 'user') throw forbidden('Only end users open chats');
    if (input.creator !== undefined && input.creator !== actor.user.id)
      throw forbidden('creator must be your own user id');
    creator = actor.user;
  } else {
    if (input.creator === undefined)
      throw badRequest('creator is required', [{ field: 'creator', message: 'is required' }]);
    creator = await requireUser(ctx, app, input.creator, 'Creator not found');
    if (creator.role !== 'user')
      throw badRequest('creator must be an end user', [{ field: 'creator', message: 'is an agent' }]);
  }
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
  };
  try {
    return await commitChange(ctx, app.id, async (tx, emit) => {
      await tx.insertInto('chats').values(row).execute();
      await tx
        .insertInto('chatUsers')
        .values({ chatId: row.id, userId: creator.id, appId: app.id, joined: now })
        .execute();
      if (input.history && input.history.length > 0) await appendHistory(tx, row, input.history);
      const view = presentChat(row, [creator.id]);
      await emit({ trigger: 'chats:create', chatId: row.id, data: { chat: view } });
      await routeNewChat(tx, emit, app, row);
      // Queue mode gave the chat its place: answer with it. Otherwise routing left the row as it was.
      if (!app.settings.queue.active) return view;
      return presentChat((await reload(tx, row.id)).row, [creator.id]);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('User already has a chat');
    throw error;
  }
}

export interface ChatQuery {
  status?: 'waiting' | 'active' | 'closed';
  room?: number;
  userId?: string;
  limit: number;
  cursor?: string;
}

/** GET /chats — the app's chats, or for a token its own chats (agents: also their rooms' chats). */
export async function listChats(
  ctx: Ctx,
  actor: Actor,
  query: ChatQuery,
): Promise<{ chats: ChatView[]; next: string | null }> {
  const db = ctx.store.db;
  let q = db.selectFrom('chats').selectAll().where('appId', '=', actor.app.id);
  if (query.status !== undefined) q = q.where('status', '=', query.status);
  if (query.room !== undefined) q = q.where('room', '=', query.room);
  if (query.userId !== undefined) {
    const userId = query.userId;
    q = q.where((eb) =>
      eb.or([
        eb('creator', '=', userId),
        eb('id', 'in', eb.selectFrom('chatUsers').select('chatId').where('userId', '=', userId)),
      ]),
    );
  }
  const user = actor.user;
  if (user) {
    const rooms = user.role === 'agent' ? (JSON.parse(user.rooms ?? '[]') as number[]) : [];
    q = q.where((eb) =>
      eb.or([
        eb('creator', '=', user.id),
        eb('id', 'in', eb.selectFrom('chatUsers').select('chatId').where('userId', '=', user.id)),
        ...(rooms.length > 0 ? [eb('room', 'in', rooms)] : []),
      ]),
    );
  }
  const after = decodeCursor(query.cursor);
  if (after !== undefined) q = q.where('id', '>', after);
  const rows = await q
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const { items, next } = page(rows, query.limit);
  const participants = await participantsByChat(
    ctx,
    items.map((r) => r.id),
  );
  return { chats: items.map((row) => presentChat(row, participants.get(row.id) ?? [])), next };
}

async function participantsByChat(ctx: Ctx, chatIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(chatIds.map((id) => [id, []]));
  if (chatIds.length === 0) return result;
  const rows = await ctx.store.db
    .selectFrom('chatUsers')
    .select(['chatId', 'userId'])
    .where('chatId', 'in', chatIds)
    .orderBy('joined')
    .orderBy('userId')
    .execute();
  for (const row of rows) result.get(row.chatId)?.push(row.userId);
  return result;
}

export type ChatWithFields = Omit<ChatView, 'users'> & {
  users: string[] | UserView[];
  history?: HistoryEntry[];
};

/** GET /chats/{id} — with `fields=users` the participants as User objects, with `history` the imported bot lines. */
export async function getChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  fields: string[] = [],
): Promise<ChatWithFields> {
  const chat = await chatFor(ctx, actor, id, 'view');
  const view: ChatWithFields = presentChat(chat.row, chat.users);
  if (fields.includes('users')) {
    const rows = chat.users.length
      ? await ctx.store.db.selectFrom('users').selectAll().where('id', 'in', chat.users).execute()
      : [];
    const order = new Map(chat.users.map((u, i) => [u, i]));
    rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    view.users = await presentUsers(ctx.store.db, rows, actor.app.settings, actor.user);
  }
  if (fields.includes('history')) view.history = await listHistoryEntries(ctx.store.db, chat.row.id);
  return view;
}

/** PUT /chats/{id} — priority, externalId, lang, room. */
export async function updateChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { priority?: number; externalId?: string; lang?: string; room?: number },
): Promise<ChatView> {
  const chat = await chatFor(ctx, actor, id, 'agentInChat');
  requireOpen(chat);
  if (input.room !== undefined) checkRoom(actor.app, input.room);
  if (input.lang !== undefined) checkLang(actor.app, input.lang);
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    await lockOpenChat(tx, id);
    const changes: Partial<ChatRow> = {};
    if (input.priority !== undefined) changes.priority = input.priority;
    if (input.externalId !== undefined) changes.externalId = input.externalId;
    if (input.lang !== undefined) changes.lang = input.lang;
    if (input.room !== undefined) changes.room = input.room;
    if (Object.keys(changes).length > 0)
      await tx.updateTable('chats').set(changes).where('id', '=', id).execute();
    let updated = await reload(tx, id);
    if (input.room !== undefined && input.room !== chat.row.room) {
      await routeRoomChange(tx, emit, actor.app, updated.row, chat.row.room);
    } else if (input.priority !== undefined && updated.row.inQueue === 1) {
      await renumberQueue(tx, emit, actor.app.id, updated.row.room);
    }
    updated = await reload(tx, id);
    return presentChat(updated.row, updated.users);
  });
}

/** Agents in a chat, so closing or leaving can give their slots back. */
async function releaseAgentSlots(tx: Tx, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await tx
    .updateTable('users')
    .set((eb) => ({ activeChats: eb('activeChats', '-', 1) }))
    .where('id', 'in', userIds)
    .where('role', '=', 'agent')
    .where('activeChats', '>', 0)
    .execute();
}

const closeOpenChat = prepare<{ id: string; now: number; closer: string }, unknown>((db, arg) =>
  db
    .updateTable('chats')
    .set({ status: 'closed', closed: arg('now'), closedBy: arg('closer') })
    .where('id', '=', arg('id'))
    .where('status', '<>', 'closed'),
);

const chatById = prepare<{ id: string }, ChatRow>((db, arg) =>
  db.selectFrom('chats').selectAll().where('id', '=', arg('id')),
);

/**
 * Closes a chat inside `tx`: status, agents' slots, `chats:close`, and the ticket with its `system:info`.
 * Shared by DELETE /chats/{id}, a creator leaving, and the timers of later issues (inactivity, grace).
 * Returns the closed chat with its participants (closing removes nobody).
 */
export async function closeChatInTx(
  tx: Tx,
  emit: Emit,
  app: App,
  chatId: string,
  closer: string,
  extraData: Record<string, unknown> | undefined,
): Promise<LoadedChat> {
  const result = await closeOpenChat.run(tx, { id: chatId, now: nowSeconds(), closer });
  if (Number(result.numAffectedRows ?? 0) === 0) throw conflict('Chat is closed');
  const users = await participantsOf(tx, chatId);
  await releaseAgentSlots(tx, users);
  await emit({
    trigger: 'chats:close',
    chatId,
    data: { chatId, userId: closer, ...(extraData !== undefined ? { extraData } : {}) },
  });
  if (app.settings.tickets.createOnClose) {
    const row = await tx.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirstOrThrow();
    const ticketId = await createTicketOnClose(tx, row, emit);
    await tx.updateTable('chats').set({ ticketId }).where('id', '=', chatId).execute();
  }
  const closed = await chatById.one(tx, { id: chatId });
  await routeClosedChat(tx, emit, app, closed);
  return { row: closed, users };
}

/** DELETE /chats/{id} — the closer is the token's user, `?userId=`, or `"system"` for the app server. */
export async function closeChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { userId?: string; extraData?: Record<string, unknown> },
): Promise<ChatView> {
  const chat = await chatFor(ctx, actor, id, 'participate');
  requireOpen(chat);
  const closer = actingUserId(actor, input.userId) ?? 'system';
  if (actor.user === null && input.userId !== undefined) await requireUser(ctx, actor.app, input.userId);
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
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
  const chat = await loadChat(ctx.store.db, actor.app.id, id);
  // Agents are the app's staff: one of another room is told it may not join (403), not that the
  // chat does not exist. End users who cannot see the chat still get 404.
  if (actor.user?.role !== 'agent' && !mayOnChat(actor, chat, 'view')) throw notFound('Chat not found');
  requireOpen(chat);
  const userId = actingUserId(actor, input.userId);
  if (userId === undefined)
    throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
  const joiner = await requireUser(ctx, actor.app, userId);
  if (joiner.role !== 'agent') throw forbidden('Only agents join chats');
  if (!(JSON.parse(joiner.rooms ?? '[]') as number[]).includes(chat.row.room)) {
    throw forbidden('The agent does not serve this chat’s room');
  }
  if (isParticipant(chat, userId)) return presentChat(chat.row, chat.users);
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    await lockOpenChat(tx, id);
    await addAgentToChat(tx, emit, actor.app, id, joiner);
    const joined = await reload(tx, id);
    return presentChat(joined.row, joined.users);
  });
}

const takeSlot = prepare<{ id: string; maxChats: number }, unknown>((db, arg) =>
  db
    .updateTable('users')
    .set((eb) => ({ activeChats: eb('activeChats', '+', 1) }))
    .where('id', '=', arg('id'))
    .where((eb) => eb('activeChats', '<', eb.fn.coalesce('maxChats', eb.val(arg('maxChats'))))),
);

const insertParticipant = prepare<{ chatId: string; userId: string; appId: string; joined: number }, unknown>(
  (db, arg) =>
    db.insertInto('chatUsers').values({
      chatId: arg('chatId'),
      userId: arg('userId'),
      appId: arg('appId'),
      joined: arg('joined'),
    }),
);

const activateChat = prepare<{ id: string }, unknown>((db, arg) =>
  db.updateTable('chats').set({ status: 'active' }).where('id', '=', arg('id')),
);

/**
 * Puts an agent into a chat: takes a slot only if one is free (a single conditional UPDATE, so concurrent
 * joins on any number of nodes can never overfill an agent), marks the chat active, emits `chats:join`.
 */
export async function addAgentToChat(
  tx: Tx,
  emit: Emit,
  app: App,
  chatId: string,
  agent: Pick<UserRow, 'id'>,
): Promise<void> {
  const taken = await takeSlot.run(tx, { id: agent.id, maxChats: app.settings.assign.maxChatsPerAgent });
  if (Number(taken.numAffectedRows ?? 0) === 0) throw conflict('Agent has no free slot');
  try {
    await insertParticipant.run(tx, { chatId, userId: agent.id, appId: app.id, joined: nowSeconds() });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('Agent is already in this chat');
    throw error;
  }
  await activateChat.run(tx, { id: chatId });
  await emit({ trigger: 'chats:join', chatId, data: { chatId, userId: agent.id } });
  await routeJoinedChat(tx, emit, app, chatId);
}

/** PUT /chats/{id}/leave — a participant leaves; the creator leaving closes the chat. */
export async function leaveChat(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: { userId?: string },
): Promise<ChatView> {
  const chat = await chatFor(ctx, actor, id, 'view');
  requireOpen(chat);
  const userId = actingUserId(actor, input.userId);
  if (userId === undefined)
    throw badRequest('userId is required', [{ field: 'userId', message: 'is required' }]);
  if (!isParticipant(chat, userId)) throw conflict('User is not in this chat');
  return commitChange(ctx, actor.app.id, async (tx, emit) => {
    await lockOpenChat(tx, id);
    const { wasAgent, agentsLeft } = await removeFromChat(tx, emit, id, userId);
    if (userId === chat.row.creator) {
      await closeChatInTx(tx, emit, actor.app, id, userId, { reason: 'left' });
    } else if (wasAgent) {
      await routeAfterLeave(tx, emit, actor.app, (await reload(tx, id)).row, agentsLeft);
    }
    const left = await reload(tx, id);
    return presentChat(left.row, left.users);
  });
}

/**
 * Removes a participant, gives an agent's slot back, emits `chats:leave`; with no agent left the chat
 * waits again. Routing the chat again is the caller's choice (leave, toinbox and transfer differ).
 */
export async function removeFromChat(
  tx: Tx,
  emit: Emit,
  chatId: string,
  userId: string,
): Promise<{ wasAgent: boolean; agentsLeft: number }> {
  const removed = await tx
    .deleteFrom('chatUsers')
    .where('chatId', '=', chatId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw conflict('User is not in this chat');
  await releaseAgentSlots(tx, [userId]);
  await emit({ trigger: 'chats:leave', chatId, data: { chatId, userId } });
  const agents = await tx
    .selectFrom('chatUsers')
    .innerJoin('users', 'users.id', 'chatUsers.userId')
    .select('users.id')
    .where('chatUsers.chatId', '=', chatId)
    .where('users.role', '=', 'agent')
    .execute();
  if (agents.length === 0) {
    await tx
      .updateTable('chats')
      .set({ status: 'waiting' })
      .where('id', '=', chatId)
      .where('status', '=', 'active')
      .execute();
  }
  const leaver = await tx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
  return { wasAgent: leaver?.role === 'agent', agentsLeft: agents.length };
}

/** GET /chats/{id}/users */
export async function chatUsers(ctx: Ctx, actor: Actor, id: string): Promise<UserView[]> {
  const chat = await chatFor(ctx, actor, id, 'view');
  if (chat.users.length === 0) return [];
  const rows = await ctx.store.db.selectFrom('users').selectAll().where('id', 'in', chat.users).execute();
  const order = new Map(chat.users.map((u, i) => [u, i]));
  rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  return presentUsers(ctx.store.db, rows, actor.app.settings, actor.user);
}
