import type { App } from '../apps/apps.ts';
import type { AssignCandidate } from '../events/catalog.ts';
import { type Db, onPostgres, type Tx } from '../store/database.ts';
import { decodeRooms, decodeStrings } from '../store/json.ts';
import { rawRows } from '../store/raw.ts';
import type { ChatRow, UserRow } from '../store/schema.ts';

/** What routing reads of an agent: its routing columns and the invitations it has pending. */
export type AgentSlots = Pick<
  UserRow,
  | 'id'
  | 'name'
  | 'nickname'
  | 'status'
  | 'rooms'
  | 'offRooms'
  | 'langs'
  | 'maxChats'
  | 'activeChats'
  | 'lastInvited'
> & {
  /** Pending invitations the agent holds: slots promised but not yet taken. */
  pending: number;
};

export interface Candidate {
  row: AgentSlots;
  view: AssignCandidate;
  /** Pending invitations the agent holds: slots promised but not yet taken. */
  pending: number;
}

/**
 * Agents' `rooms`, `offRooms` and `langs` are small JSON arrays, and nearly every agent has one of a
 * handful of values: parse each distinct text once.
 */
const parsedLists = new Map<string, readonly unknown[]>();
const EMPTY: readonly never[] = Object.freeze([]);

function parseList<T>(
  json: string | null,
  kind: 'rooms' | 'langs',
  decode: (text: string) => T[],
): readonly T[] {
  if (json === null) return EMPTY;
  const key = `${kind}:${json}`;
  let list = parsedLists.get(key) as readonly T[] | undefined;
  if (list === undefined) {
    list = Object.freeze(decode(json));
    if (parsedLists.size >= 2000) parsedLists.clear();
    parsedLists.set(key, list);
  }
  return list;
}

const roomList = (json: string | null) => parseList(json, 'rooms', decodeRooms);
const langList = (json: string | null) => parseList(json, 'langs', decodeStrings);

const servedCache = new Map<string, readonly number[]>();

function served(rooms: string | null, offRooms: string): readonly number[] {
  const all = roomList(rooms);
  if (offRooms === '[]') return all;
  const key = `${rooms}\u0000${offRooms}`;
  let list = servedCache.get(key);
  if (list === undefined) {
    const off = new Set(roomList(offRooms));
    list = Object.freeze(all.filter((r) => !off.has(r)));
    if (servedCache.size >= 2000) servedCache.clear();
    servedCache.set(key, list);
  }
  return list;
}

/** The rooms an agent serves right now: their rooms less those they logged out of. */
export function servedRooms(agent: Pick<UserRow, 'rooms' | 'offRooms'>): number[] {
  return [...served(agent.rooms, agent.offRooms)];
}

const AGENT_COLUMNS = `u.id as "id", u.name as "name", u.nickname as "nickname", u.status as "status",
  u.rooms as "rooms", u.off_rooms as "offRooms", u.langs as "langs", u.max_chats as "maxChats",
  u.active_chats as "activeChats", u.last_invited as "lastInvited"`;

const ONLINE_AGENTS = `select ${AGENT_COLUMNS} from users u
  where u.app_id = ? and u.role = 'agent' and u.status = 'online'`;

/** Pending invitations per agent of an app (a range of the partial index invitations_pending_by_app). */
const PENDING_BY_AGENT = `select user_id as "userId", count(*) as "n" from invitations
  where app_id = ? and status = 'pending' group by user_id`;

const ONE_AGENT = `select ${AGENT_COLUMNS},
  (select count(*) from invitations i where i.user_id = u.id and i.status = 'pending') as "pending"
  from users u where u.id = ? and u.app_id = ? and u.role = 'agent'`;

function toCandidate(row: AgentSlots, pending: number, app: App): Candidate {
  row.pending = pending;
  row.lastInvited = Number(row.lastInvited);
  return { row, pending, view: candidateView(row, app) };
}

/** Online agents of an app serving a room, with their pending invitation counts. */
export async function onlineAgentsOfRoom(db: Db | Tx, app: App, room: number): Promise<Candidate[]> {
  const rows = await rawRows<AgentSlots>(db, ONLINE_AGENTS, [app.id]);
  const inRoom = rows.filter((row) => served(row.rooms, row.offRooms).includes(room));
  if (inRoom.length === 0) return [];
  const pending = await rawRows<{ userId: string; n: number }>(db, PENDING_BY_AGENT, [app.id]);
  const pendingBy = new Map<string, number>();
  for (const p of pending) pendingBy.set(p.userId, Number(p.n));
  return inRoom.map((row) => toCandidate(row, pendingBy.get(row.id) ?? 0, app));
}

function candidateView(row: AgentSlots, app: App): AssignCandidate {
  const max = maxChatsOf(row, app);
  return {
    id: row.id,
    name: row.name,
    nickname: row.nickname,
    capacity: Math.max(0, max - row.activeChats),
    maxChats: max,
    activeChats: row.activeChats,
    rooms: [...served(row.rooms, row.offRooms)],
    langs: [...langList(row.langs)],
  };
}

function maxChatsOf(row: Pick<UserRow, 'maxChats'>, app: App): number {
  return row.maxChats ?? app.settings.assign.maxChatsPerAgent;
}

/** Free slots of an agent: its maximum less the chats it holds and the invitations it has pending. */
export function freeSlots(candidate: Candidate, app: App): number {
  return maxChatsOf(candidate.row, app) - candidate.row.activeChats - candidate.pending;
}

function isEligible(
  c: Candidate,
  app: App,
  chat: ChatRow,
  participants: readonly string[],
  invited: ReadonlySet<string>,
): boolean {
  if (c.row.status !== 'online' || freeSlots(c, app) <= 0) return false;
  if (!served(c.row.rooms, c.row.offRooms).includes(chat.room)) return false;
  const langs = langList(c.row.langs);
  return (
    (langs.length === 0 || langs.includes(chat.lang)) &&
    !participants.includes(c.row.id) &&
    !invited.has(c.row.id)
  );
}

/**
 * Eligible agents (docs/routing.md): online, serving the chat's room, speaking its lang (or no langs
 * listed), with a free slot, not already in the chat, and not yet invited in the current loop.
 */
export async function eligibleAgents(
  db: Db | Tx,
  app: App,
  chat: ChatRow,
  participants: readonly string[],
  invited: ReadonlySet<string>,
): Promise<Candidate[]> {
  const online = await onlineAgentsOfRoom(db, app, chat.room);
  return online.filter((c) => isEligible(c, app, chat, participants, invited));
}

/**
 * Inside the transaction that invites: takes the agent's row lock (PostgreSQL; SQLite transactions are
 * serial) and reads the agent again, so two jumps choosing the same agent at once cannot both promise
 * it its last slot. Returns the agent as it is now when it is still eligible, else undefined.
 */
export async function lockEligible(
  tx: Tx,
  app: App,
  chat: ChatRow,
  participants: readonly string[],
  invited: ReadonlySet<string>,
  agentId: string,
): Promise<Candidate | undefined> {
  if (onPostgres(tx)) {
    // The lock first, then a fresh read: READ COMMITTED gives the next statement a new snapshot, which
    // sees whatever the previous holder of the lock committed (its invitation, its accept).
    await rawRows(tx, 'select id from users where id = ? for update', [agentId]);
  }
  const [row] = await rawRows<AgentSlots>(tx, ONE_AGENT, [agentId, app.id]);
  if (!row) return undefined;
  const candidate = toCandidate(row, Number(row.pending), app);
  return isEligible(candidate, app, chat, participants, invited) ? candidate : undefined;
}
