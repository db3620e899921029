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

/** The visitors' names by id, for a page of results; one that cannot be read is left out. */
export async function visitorNames(client: Client, ids: string[]): Promise<Record<string, string>> {
  const unique = [...new Set(ids)];
  const read = await Promise.allSettled(unique.map((id) => client.users.get(id)));
  const names: Record<string, string> = {};
  read.forEach((result, i) => {
    if (result.status === 'fulfilled' && result.value.user.name) names[unique[i]!] = result.value.user.name;
  });
  return names;
}
