import type { CannedResponse, Client } from '../src/lib/sdk.ts';

/**
 * The app's shared canned responses (`ownerId` null), every page of `GET /canned` read: the app secret
 * lists agents' own ones too, which this tab leaves to their agents. Bounded by the app's cap.
 */
export async function loadSharedCanned(client: Client): Promise<CannedResponse[]> {
  const shared: CannedResponse[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await client.canned.list({ limit: 200, ...(cursor ? { cursor } : {}) });
    shared.push(...result.canned.filter((c) => c.ownerId === null));
    if (!result.next) break;
    cursor = result.next;
  }
  return shared.sort((a, b) => a.shortcut.localeCompare(b.shortcut));
}
