import type { Db, Tx } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { UserRow } from '../store/schema.ts';
import type { User } from '../wire/user.ts';

/** The user statements (users table) shared by the user and agent commands. */

export const userOfApp = prepare<{ id: string; appId: string }, UserRow>((db, arg) =>
  db.selectFrom('users').selectAll().where('id', '=', arg('id')).where('appId', '=', arg('appId')),
);

export const agentOfApp = prepare<{ id: string; appId: string }, UserRow>((db, arg) =>
  db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', arg('id'))
    .where('appId', '=', arg('appId'))
    .where('role', '=', 'agent'),
);

export async function insertUser(db: Db | Tx, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function updateUserRow(db: Db | Tx, id: string, changes: Partial<UserRow>): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute();
}

export async function selectUsers(
  db: Db,
  filter: { appId: string; externalId?: string; role?: User['role']; after?: string; limit: number },
): Promise<UserRow[]> {
  let q = db.selectFrom('users').selectAll().where('appId', '=', filter.appId);
  if (filter.externalId !== undefined) q = q.where('externalId', '=', filter.externalId);
  // `role` as the User object shows it: `user`, or an agent's role (docs/people.md).
  const role = filter.role;
  if (role === 'user') q = q.where('role', '=', 'user');
  else if (role !== undefined) q = q.where('role', '=', 'agent').where('agentRole', '=', role);
  if (filter.after !== undefined) q = q.where('id', '>', filter.after);
  return q
    .orderBy('id')
    .limit(filter.limit + 1)
    .execute();
}

export async function agentByContact(db: Db, appId: string, contact: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('appId', '=', appId)
    .where('role', '=', 'agent')
    .where('contact', '=', contact)
    .executeTakeFirst();
}

export async function onlineAgentRows(db: Db, appId: string): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('appId', '=', appId)
    .where('role', '=', 'agent')
    .where('status', '=', 'online')
    .execute();
}

/** Whether two users take part in one chat together. */
export async function shareAChat(db: Db, viewerId: string, targetId: string): Promise<boolean> {
  const shared = await db
    .selectFrom('chatUsers as mine')
    .innerJoin('chatUsers as theirs', 'theirs.chatId', 'mine.chatId')
    .select('mine.chatId')
    .where('mine.userId', '=', viewerId)
    .where('theirs.userId', '=', targetId)
    .limit(1)
    .executeTakeFirst();
  return shared !== undefined;
}

/** Whether `creatorId` opened a chat in one of `rooms`. */
export async function openedChatInRooms(
  db: Db,
  appId: string,
  creatorId: string,
  rooms: number[],
): Promise<boolean> {
  const chat = await db
    .selectFrom('chats')
    .select('id')
    .where('appId', '=', appId)
    .where('creator', '=', creatorId)
    .where('room', 'in', rooms)
    .limit(1)
    .executeTakeFirst();
  return chat !== undefined;
}

/** A page of the app's agents, oldest id first. */
export async function selectAgents(
  db: Db,
  appId: string,
  after: string | undefined,
  limit: number,
): Promise<UserRow[]> {
  let q = db.selectFrom('users').selectAll().where('appId', '=', appId).where('role', '=', 'agent');
  if (after !== undefined) q = q.where('id', '>', after);
  return q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}
