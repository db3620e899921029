import type { Chat, Client, EventData, Invitation, Message, User } from '../src/lib/sdk.ts';

export interface ChatDetail {
  chat: Chat;
  visitor: User | undefined;
  messages: Message[];
}

/** A chat with its participants and imported bot history, and (optionally) all its messages. */
export async function loadChatDetail(
  client: Client,
  chatId: string,
  withMessages = false,
): Promise<ChatDetail> {
  const { chat } = await client.chats.get(chatId, { fields: 'users,history' });
  // `fields=users` expands the ids into users; a plain id (never here) is skipped.
  const listed: ReadonlyArray<User | string> = chat.users;
  const users = listed.filter((u): u is User => typeof u !== 'string');
  const visitor = users.find((u) => u.id === chat.creator) ?? users.find((u) => u.role === 'user');
  const messages: Message[] = [];
  if (withMessages) {
    let after: number | undefined;
    // Pages of 200 oldest first; a chat is bounded, so is this loop (at most 50 pages here).
    for (let page = 0; page < 50; page++) {
      const result = await client.chats.messages(chatId, {
        limit: 200,
        ...(after !== undefined ? { after } : {}),
      });
      messages.push(...result.messages);
      if (!result.next || result.messages.length === 0) break;
      after = result.messages.at(-1)!.seq;
    }
  }
  return { chat, visitor, messages };
}

/**
 * The waiting chats of the agent's rooms, in queue order (queue mode) or oldest first. The server
 * lists an agent its rooms' chats; an admin (docs/people.md) acts as the app and gets every room's,
 * so `rooms` narrows it to the rooms it serves (and hears).
 */
export async function loadQueue(client: Client, rooms?: readonly number[]): Promise<Chat[]> {
  const { chats: all } = await client.chats.list({ status: 'waiting', limit: 200 });
  const chats = rooms ? all.filter((chat) => rooms.includes(chat.room)) : all;
  return chats.sort(
    (a, b) =>
      (a.queuePosition ?? Number.MAX_SAFE_INTEGER) - (b.queuePosition ?? Number.MAX_SAFE_INTEGER) ||
      a.created - b.created,
  );
}

/** Every agent's display name by id (colleagues' messages in transferred chats); empty on failure. */
export async function loadAgentNames(client: Client): Promise<Record<string, string>> {
  try {
    const { agents } = await client.agents.list();
    return Object.fromEntries(agents.map((a) => [a.id, a.nickname || a.name]));
  } catch {
    return {};
  }
}

/** The visitors' names of the first 20 queued chats not named yet, by chat id. */
export async function queueNames(
  client: Client,
  queue: Chat[],
  known: Record<string, string>,
): Promise<Record<string, string>> {
  const unknown = queue.slice(0, 20).filter((c) => known[c.id] === undefined);
  const found = await Promise.all(
    unknown.map(async (chat) => {
      try {
        const { visitor } = await loadChatDetail(client, chat.id);
        return [chat.id, visitor?.name || 'Visitor'] as const;
      } catch {
        return [chat.id, 'Visitor'] as const;
      }
    }),
  );
  return Object.fromEntries(found);
}

/** Agents a chat can be handed to: online, a free slot, serving its room, not `me`. */
export async function transferTargets(client: Client, me: string, room: number | undefined): Promise<User[]> {
  const { agents } = await client.agents.list();
  return agents.filter(
    (a) =>
      a.id !== me &&
      a.status === 'online' &&
      (room === undefined || (a.rooms ?? []).includes(room)) &&
      (a.maxChats ?? 0) > (a.chats?.length ?? 0),
  );
}

/** The data of `invitations:new`. */
export type InvitedEvent = EventData['invitations:new'];

/**
 * The invitation an `invitations:new` announces. The event is skinny; the invitation itself says
 * whether it is a transfer and when it started. Without it, what the event said.
 */
export async function loadInvitation(client: Client, data: InvitedEvent): Promise<Invitation> {
  const fallback: Invitation = {
    id: data.invitationId,
    chatId: data.chatId,
    userId: data.userId,
    status: 'pending',
    transfer: false,
    created: Math.floor(Date.now() / 1000),
    expires: data.expires,
  };
  try {
    const { invitations } = await client.invitations.list({ userId: data.userId, status: 'pending' });
    return invitations.find((i) => i.id === data.invitationId) ?? fallback;
  } catch {
    return fallback;
  }
}

/** The visitor's name in a chat, or undefined (the name is a nicety; nothing waits for it). */
export async function visitorName(client: Client, chatId: string): Promise<string | undefined> {
  try {
    const { visitor } = await loadChatDetail(client, chatId);
    return visitor ? visitor.name || 'Visitor' : undefined;
  } catch {
    return undefined;
  }
}
