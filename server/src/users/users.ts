import type { App } from '../apps/apps.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { isUniqueViolation } from '../store/database.ts';
import type { UserRow } from '../store/schema.ts';
import { conflict, forbidden, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { presentUser, type User as UserView } from '../wire/user.ts';
import { presentUsers } from './present.ts';
import { createSession, type Session } from './sessions.ts';

export interface UserInput {
  name?: string;
  contact?: string;
  externalId?: string;
  extraInfo?: Record<string, unknown>;
}

export async function findUser(ctx: Ctx, app: App, id: string): Promise<UserRow | undefined> {
  return ctx.store.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', id)
    .where('appId', '=', app.id)
    .executeTakeFirst();
}

export async function requireUser(
  ctx: Ctx,
  app: App,
  id: string,
  message = 'User not found',
): Promise<UserRow> {
  const user = await findUser(ctx, app, id);
  if (!user) throw notFound(message);
  return user;
}

/** POST /users — an end user and their first session. */
export async function createUser(
  ctx: Ctx,
  app: App,
  input: UserInput,
): Promise<{ user: UserView; session: Session }> {
  const row: UserRow = {
    id: newId(),
    appId: app.id,
    role: 'user',
    name: input.name ?? 'Guest',
    nickname: null,
    contact: input.contact ?? null,
    externalId: input.externalId ?? null,
    extraInfo: JSON.stringify(input.extraInfo ?? {}),
    providerId: null,
    passwordHash: null,
    status: null,
    rooms: null,
    offRooms: '[]',
    langs: null,
    maxChats: null,
    activeChats: 0,
    lastInvited: 0,
    created: nowSeconds(),
  };
  try {
    await ctx.store.db.insertInto('users').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('A user with this externalId already exists');
    throw error;
  }
  const session = await createSession(ctx.store.db, app.id, row.id);
  return { user: presentUser(row, [], app.settings), session };
}

export async function listUsers(
  ctx: Ctx,
  app: App,
  query: { externalId?: string; role?: 'user' | 'agent'; limit: number; cursor?: string },
): Promise<{ users: UserView[]; next: string | null }> {
  let q = ctx.store.db.selectFrom('users').selectAll().where('appId', '=', app.id);
  if (query.externalId !== undefined) q = q.where('externalId', '=', query.externalId);
  if (query.role !== undefined) q = q.where('role', '=', query.role);
  const after = decodeCursor(query.cursor);
  if (after !== undefined) q = q.where('id', '>', after);
  const rows = await q
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const { items, next } = page(rows, query.limit);
  return { users: await presentUsers(ctx.store.db, items, app.settings), next };
}

/** Whether a token's user may see `target`: themself, someone sharing a chat, or (agents) any agent. */
async function mayView(ctx: Ctx, viewer: UserRow, target: UserRow): Promise<boolean> {
  if (viewer.id === target.id) return true;
  if (viewer.role === 'agent' && target.role === 'agent') return true;
  const shared = await ctx.store.db
    .selectFrom('chatUsers as mine')
    .innerJoin('chatUsers as theirs', 'theirs.chatId', 'mine.chatId')
    .select('mine.chatId')
    .where('mine.userId', '=', viewer.id)
    .where('theirs.userId', '=', target.id)
    .limit(1)
    .executeTakeFirst();
  if (shared) return true;
  if (viewer.role === 'agent') {
    // Agents see the creators of chats in their rooms, e.g. a waiting chat they are offered.
    const rooms = JSON.parse(viewer.rooms ?? '[]') as number[];
    if (rooms.length === 0) return false;
    const chat = await ctx.store.db
      .selectFrom('chats')
      .select('id')
      .where('appId', '=', viewer.appId)
      .where('creator', '=', target.id)
      .where('room', 'in', rooms)
      .limit(1)
      .executeTakeFirst();
    return chat !== undefined;
  }
  return false;
}

export async function getUser(ctx: Ctx, actor: Actor, id: string): Promise<UserView> {
  const target = await requireUser(ctx, actor.app, id);
  if (actor.user && !(await mayView(ctx, actor.user, target))) throw notFound('User not found');
  const [view] = await presentUsers(ctx.store.db, [target], actor.app.settings, actor.user);
  return view!;
}

export async function updateUser(ctx: Ctx, actor: Actor, id: string, input: UserInput): Promise<UserView> {
  const target = await requireUser(ctx, actor.app, id);
  if (actor.user && actor.user.id !== target.id) throw forbidden('You may only change your own profile');
  // Agents edit themselves through PUT /agents/{id}, which limits them to nickname, password and status;
  // without this, PUT /users would let them rename themselves or change their login contact.
  if (actor.user?.role === 'agent') throw forbidden('Agents change their profile through /agents/{id}');
  const changes: Partial<UserRow> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.contact !== undefined) changes.contact = input.contact;
  if (input.externalId !== undefined) changes.externalId = input.externalId;
  if (input.extraInfo !== undefined) changes.extraInfo = JSON.stringify(input.extraInfo);
  if (Object.keys(changes).length > 0) {
    try {
      await ctx.store.db.updateTable('users').set(changes).where('id', '=', id).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('Another user has this externalId or contact');
      throw error;
    }
  }
  const updated = await requireUser(ctx, actor.app, id);
  const [view] = await presentUsers(ctx.store.db, [updated], actor.app.settings);
  return view!;
}

/** POST /users/{id}/token — a new session for a user, issued by the app server. */
export async function issueToken(ctx: Ctx, app: App, id: string): Promise<Session> {
  await requireUser(ctx, app, id);
  return createSession(ctx.store.db, app.id, id);
}
