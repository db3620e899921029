import type { App } from '../apps/apps.ts';
import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { requireProfileEditor, requireVisibleUser } from '../policies/users.ts';
import { type Db, isUniqueViolation, type Tx } from '../store/database.ts';
import type { UserRow } from '../store/schema.ts';
import { conflict, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { presentUser, type User as UserView } from '../wire/user.ts';
import { presentUsers } from './present.ts';
import { createSession, type Session } from './sessions.ts';
import {
  insertUser,
  openedChatInRooms,
  selectUsers,
  shareAChat,
  updateUserRow,
  userOfApp,
} from './statements.ts';

export interface UserInput {
  name?: string;
  contact?: string;
  externalId?: string;
  extraInfo?: Record<string, unknown>;
}

export async function findUser(db: Db | Tx, appId: string, id: string): Promise<UserRow | undefined> {
  return userOfApp.first(db, { id, appId });
}

export async function requireUser(
  db: Db | Tx,
  appId: string,
  id: string,
  message = 'User not found',
): Promise<UserRow> {
  const user = await findUser(db, appId, id);
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
    agentRole: null,
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
    active: 1,
    created: nowSeconds(),
    erased: null,
  };
  try {
    await insertUser(ctx.store.db, row);
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
  query: { externalId?: string; role?: UserView['role']; limit: number; cursor?: string },
): Promise<{ users: UserView[]; next: string | null }> {
  const rows = await selectUsers(ctx.store.db, {
    appId: app.id,
    ...query,
    after: decodeCursor(query.cursor),
  });
  const { items, next } = page(rows, query.limit);
  return { users: await presentUsers(ctx.store.db, items, app.settings), next };
}

export async function getUser(ctx: Ctx, actor: Actor, id: string): Promise<UserView> {
  const target = await requireUser(ctx.store.db, actor.app.id, id);
  const db = ctx.store.db;
  await requireVisibleUser(actor, target, {
    shareAChat: () => shareAChat(db, actor.user!.id, target.id),
    openedChatIn: (rooms) => openedChatInRooms(db, actor.app.id, target.id, rooms),
  });
  const [view] = await presentUsers(ctx.store.db, [target], actor.app.settings, actor.user);
  return view!;
}

export async function updateUser(ctx: Ctx, actor: Actor, id: string, input: UserInput): Promise<UserView> {
  const target = await requireUser(ctx.store.db, actor.app.id, id);
  requireProfileEditor(actor, target);
  const changes: Partial<UserRow> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.contact !== undefined) changes.contact = input.contact;
  if (input.externalId !== undefined) changes.externalId = input.externalId;
  if (input.extraInfo !== undefined) changes.extraInfo = JSON.stringify(input.extraInfo);
  if (Object.keys(changes).length > 0) {
    try {
      await updateUserRow(ctx.store.db, id, changes);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('Another user has this externalId or contact');
      throw error;
    }
  }
  const updated = await requireUser(ctx.store.db, actor.app.id, id);
  const [view] = await presentUsers(ctx.store.db, [updated], actor.app.settings);
  return view!;
}

/** POST /users/{id}/token — a new session for a user, issued by the app server. */
export async function issueToken(ctx: Ctx, app: App, id: string): Promise<Session> {
  const user = await requireUser(ctx.store.db, app.id, id);
  // An erased end user never signs in again (docs/privacy.md): its sessions would be refused anyway.
  if (user.erased !== null) throw conflict('This user was erased');
  return createSession(ctx.store.db, app.id, id);
}
