import type { Client } from '../src/lib/sdk.ts';
import type { Chat, Message, User } from '../src/lib/types.ts';

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
  const { chat } = await client.request<{ chat: Chat }>('GET', `/chats/${chatId}`, {
    query: { fields: 'users,history' },
  });
  const users = chat.users as User[];
  const visitor = users.find((u) => u.id === chat.creator) ?? users.find((u) => u.role === 'user');
  const messages: Message[] = [];
  if (withMessages) {
    let after: number | undefined;
    // Pages of 200 oldest first; a chat is bounded, so is this loop (at most 50 pages here).
    for (let page = 0; page < 50; page++) {
      const result = await client.request<{ messages: Message[]; next: string | null }>(
        'GET',
        `/chats/${chatId}/messages`,
        { query: { limit: 200, ...(after !== undefined ? { after } : {}) } },
      );
      messages.push(...result.messages);
      if (!result.next || result.messages.length === 0) break;
      after = result.messages.at(-1)!.seq;
    }
  }
  return { chat, visitor, messages };
}

/** The waiting chats of the agent's rooms, in queue order (queue mode) or oldest first. */
export async function loadQueue(client: Client): Promise<Chat[]> {
  const { chats } = await client.request<{ chats: Chat[] }>('GET', '/chats', {
    query: { status: 'waiting', limit: 200 },
  });
  return chats.sort(
    (a, b) =>
      (a.queuePosition ?? Number.MAX_SAFE_INTEGER) - (b.queuePosition ?? Number.MAX_SAFE_INTEGER) ||
      a.created - b.created,
  );
}
