import type { Chat, Client } from '../src/lib/sdk.ts';

/** One page of past chats, newest first; `q` searches their messages (docs/search.md). */
export async function searchPastChats(
  client: Client,
  q: string,
  cursor?: string,
): Promise<{ chats: Chat[]; next: string | null }> {
  const words = q.trim();
  return client.chats.list({
    status: 'closed',
    order: 'desc',
    limit: 30,
    ...(words ? { q: words } : {}),
    ...(cursor ? { cursor } : {}),
  });
}

/** "7 Dec 2026, 14:05": when a past chat took place. */
export function when(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
