import type { App } from '../apps/apps.ts';
import type { AssignCandidate } from '../events/catalog.ts';
import type { Db } from '../store/database.ts';
import type { ChatRow, UserRow } from '../store/schema.ts';
import { maxChatsOf } from '../users/present.ts';

export interface Candidate {
  row: UserRow;
  view: AssignCandidate;
  /** Pending invitations the agent holds: slots promised but not yet taken. */
  pending: number;
}

function parse<T>(json: string | null, fallback: T): T {
  return json === null ? fallback : (JSON.parse(json) as T);
}

/** The rooms an agent serves right now: their rooms less those they logged out of. */
export function servedRooms(agent: UserRow): number[] {
  const off = new Set(parse<number[]>(agent.offRooms, []));
  return parse<number[]>(agent.rooms, []).filter((r) => !off.has(r));
}

/** Online agents of an app serving a room, with their pending invitation counts. */
export async function onlineAgentsOfRoom(db: Db, appId: string, room: number): Promise<Candidate[]> {
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('appId', '=', appId)
    .where('role', '=', 'agent')
    .where('status', '=', 'online')
    .execute();
  const inRoom = rows.filter((row) => servedRooms(row).includes(room));
  if (inRoom.length === 0) return [];
  const pending = await db
    .selectFrom('invitations')
    .select(['userId', (eb) => eb.fn.countAll<number>().as('count')])
    .where(
      'userId',
      'in',
      inRoom.map((r) => r.id),
    )
    .where('status', '=', 'pending')
    .groupBy('userId')
    .execute();
  const pendingBy = new Map(pending.map((p) => [p.userId, Number(p.count)]));
  return inRoom.map((row) => ({
    row,
    pending: pendingBy.get(row.id) ?? 0,
    view: candidateView(row, undefined),
  }));
}

function candidateView(row: UserRow, maxChats: number | undefined): AssignCandidate {
  const max = maxChats ?? row.maxChats ?? 0;
  return {
    id: row.id,
    name: row.name,
    nickname: row.nickname,
    capacity: Math.max(0, max - row.activeChats),
    maxChats: max,
    activeChats: row.activeChats,
    rooms: servedRooms(row),
    langs: parse<string[]>(row.langs, []),
  };
}

/** Free slots of an agent: its maximum less the chats it holds and the invitations it has pending. */
export function freeSlots(candidate: Candidate, app: App): number {
  return maxChatsOf(candidate.row, app.settings) - candidate.row.activeChats - candidate.pending;
}

/**
 * Eligible agents for a chat (spec 5.1): online, serving the chat's room, speaking its lang (or no langs
 * listed), with a free slot, not already in the chat, and not yet invited in the current loop.
 */
export async function eligibleAgents(
  db: Db,
  app: App,
  chat: ChatRow,
  participants: string[],
  invited: ReadonlySet<string>,
): Promise<Candidate[]> {
  const online = await onlineAgentsOfRoom(db, app.id, chat.room);
  return online
    .filter((c) => {
      const langs = parse<string[]>(c.row.langs, []);
      return (
        (langs.length === 0 || langs.includes(chat.lang)) &&
        freeSlots(c, app) > 0 &&
        !participants.includes(c.row.id) &&
        !invited.has(c.row.id)
      );
    })
    .map((c) => ({ ...c, view: candidateView(c.row, maxChatsOf(c.row, app.settings)) }));
}
