import type { Settings } from '../apps/settings.ts';
import type { Db } from '../store/database.ts';
import type { UserRow } from '../store/schema.ts';

/** The one shape of a user or agent in responses, events and webhooks (spec section 1). */
export interface UserView {
  id: string;
  name: string;
  nickname?: string;
  contact?: string;
  externalId?: string;
  extraInfo: Record<string, unknown>;
  role: 'user' | 'agent';
  providerId?: string;
  status?: 'online' | 'away' | 'offline';
  rooms?: number[];
  langs?: string[];
  maxChats?: number;
  chats: string[];
  created: number;
}

export function maxChatsOf(row: UserRow, settings: Settings): number {
  return row.maxChats ?? settings.assign.maxChatsPerAgent;
}

export function presentUser(row: UserRow, chats: string[], settings: Settings): UserView {
  const view: UserView = {
    id: row.id,
    name: row.name,
    extraInfo: JSON.parse(row.extraInfo) as Record<string, unknown>,
    role: row.role,
    chats,
    created: row.created,
  };
  if (row.nickname !== null) view.nickname = row.nickname;
  if (row.contact !== null) view.contact = row.contact;
  if (row.externalId !== null) view.externalId = row.externalId;
  if (row.role === 'agent') {
    view.providerId = row.providerId ?? 'local';
    view.status = row.status ?? 'offline';
    view.rooms = JSON.parse(row.rooms ?? '[]') as number[];
    view.langs = JSON.parse(row.langs ?? '[]') as string[];
    view.maxChats = maxChatsOf(row, settings);
  }
  return view;
}

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
): Promise<UserView[]> {
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
