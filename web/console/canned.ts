import type { CannedResponse, Client, User } from '../src/lib/sdk.ts';

/**
 * The canned responses' pure parts (docs/web.md, "Canned responses"): loading those of a room, the
 * `/shortcut` being typed, matching it, and filling in the placeholders.
 */

/** Every response the agent may use in `room`: its own and the shared ones (every page, bounded). */
export async function loadCanned(client: Client, room: number): Promise<CannedResponse[]> {
  const all: CannedResponse[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 25; page++) {
    const result = await client.canned.list({ room, limit: 200, ...(cursor ? { cursor } : {}) });
    all.push(...result.canned);
    if (!result.next) break;
    cursor = result.next;
  }
  return all.sort((a, b) => a.shortcut.localeCompare(b.shortcut) || (a.ownerId === null ? 1 : -1));
}

/** The `/word` right before the caret, at the start or after a space: where it starts and the word. */
export function slashAt(text: string, caret: number): { start: number; query: string } | undefined {
  const match = /(^|\s)\/([a-z0-9_-]*)$/i.exec(text.slice(0, caret));
  if (!match) return undefined;
  return { start: match.index + match[1]!.length, query: match[2]!.toLowerCase() };
}

/** Shortcuts starting with the query first, then those whose shortcut or title holds it. */
export function matching(items: readonly CannedResponse[], query: string): CannedResponse[] {
  if (!query) return [...items];
  const starts = items.filter((c) => c.shortcut.startsWith(query));
  const holds = items.filter(
    (c) => !starts.includes(c) && (c.shortcut.includes(query) || c.title.toLowerCase().includes(query)),
  );
  return [...starts, ...holds];
}

/**
 * The text with `{{visitor.name}}`, `{{agent.name}}` and `{{agent.nickname}}` filled in: an unknown
 * visitor name is left empty, an agent without a nickname goes by its name.
 */
export function fillIn(text: string, visitor: User | undefined, agent: User): string {
  const values: Record<string, string> = {
    'visitor.name': visitor?.name ?? '',
    'agent.name': agent.name,
    'agent.nickname': agent.nickname || agent.name,
  };
  return text.replace(
    /\{\{\s*(visitor\.name|agent\.name|agent\.nickname)\s*\}\}/g,
    (_, key: string) => values[key]!,
  );
}
