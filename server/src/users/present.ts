import type { Settings } from '../apps/settings.ts';
import type { Db } from '../store/database.ts';
import type { UserRow } from '../store/schema.ts';
import { presentUser, type User } from '../wire/user.ts';

/** Open chats of each user, in one query. */
export async function openChatsOf(db: Db, userIds: string[]): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const rows = await db
    .selectFrom('chatUsers')
    .innerJoin('chats', 'chats.id', 'chatUsers.chatId')
    .select(['chatUsers.userId', 'chatUsers.chatId'])
    .where('chatUsers.userId', 'in', userIds)
    .where('chats.status', '<>', 'closed')
    .orderBy('chatUsers.chatId')
    .execute();
  for (const row of rows) byUser.get(row.userId)?.push(row.chatId);
  return byUser;
}

/**
 * Users as a viewer may see them. An agent's `contact` is their login: end users (a user token) see
 * agents without it; the app, agents and the user themself see everything.
 */
export async function presentUsers(
  db: Db,
  rows: UserRow[],
  settings: Settings,
  viewer: UserRow | null = null,
): Promise<User[]> {
  const chats = await openChatsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => {
    const view = presentUser(row, chats.get(row.id) ?? [], settings);
    if (viewer?.role === 'user' && row.role === 'agent') delete view.contact;
    return view;
  });
}
