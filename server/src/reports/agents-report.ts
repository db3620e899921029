import type { Store } from '../store/database.ts';
import { decodeRooms } from '../store/json.ts';
import { nowSeconds } from '../util/time.ts';
import { chatFacts } from './chats-report.ts';
import type { Range } from './range.ts';
import { ascending, percentile, ratingAverage } from './stats.ts';
import { reportDb } from './tables.ts';

export interface AgentStats {
  id: string;
  name: string;
  chats: number;
  invitations: { accepted: number; rejected: number; expired: number };
  firstResponseP50: number | null;
  durationP50: number | null;
  onlineSeconds: number;
  awaySeconds: number;
  ratingAvg: number | null;
}

/**
 * GET /reports/agents (docs/reports.md): per agent, over the chats created in the range (of the rooms)
 * that it joined — how many, the first response of those it answered first, their durations and
 * ratings; its invitations created in the range by outcome; and its online and away time within the
 * range (up to now). `rooms` undefined: every room and every agent; else the agents of those rooms.
 */
export async function agentsReport(
  store: Store,
  appId: string,
  query: Range & { rooms: number[] | undefined },
): Promise<{ agents: AgentStats[] }> {
  const facts = await chatFacts(store, appId, query);
  const db = reportDb(store.db);
  const people = await db
    .selectFrom('users')
    .select(['id', 'name', 'rooms'])
    .where('appId', '=', appId)
    .where('role', '=', 'agent')
    .orderBy('id')
    .execute();
  const agents = people.filter(
    (p) => query.rooms === undefined || decodeRooms(p.rooms).some((room) => query.rooms!.includes(room)),
  );
  const stats = new Map<string, AgentStats>();
  const firsts = new Map<string, number[]>();
  const durations = new Map<string, number[]>();
  const ratings = new Map<string, number[]>();
  for (const agent of agents) {
    stats.set(agent.id, {
      id: agent.id,
      name: agent.name,
      chats: 0,
      invitations: { accepted: 0, rejected: 0, expired: 0 },
      firstResponseP50: null,
      durationP50: null,
      onlineSeconds: 0,
      awaySeconds: 0,
      ratingAvg: null,
    });
    firsts.set(agent.id, []);
    durations.set(agent.id, []);
    ratings.set(agent.id, []);
  }
  if (agents.length === 0) return { agents: [] };
  const chats = new Map(facts.map((chat) => [chat.chatId, chat]));
  // Who joined which of those chats, and who answered each first.
  const joins = await db
    .selectFrom('reportChatAgents as a')
    .innerJoin('reportChats as c', 'c.chatId', 'a.chatId')
    .select(['a.chatId', 'a.agentId', 'c.firstResponder'])
    .where('c.appId', '=', appId)
    .where('c.created', '>=', query.from)
    .where('c.created', '<', query.to)
    .execute();
  for (const join of joins) {
    const chat = chats.get(join.chatId);
    const stat = stats.get(join.agentId);
    if (!chat || !stat) continue;
    stat.chats++;
    if (join.firstResponder === join.agentId && chat.firstResponse !== null)
      firsts.get(join.agentId)!.push(chat.firstResponse - chat.created);
    if (chat.closed !== null) durations.get(join.agentId)!.push(chat.closed - chat.created);
    if (chat.rating !== null) ratings.get(join.agentId)!.push(chat.rating);
  }
  await countInvitations(store, appId, query, stats);
  await addStatusTime(store, appId, query, stats);
  for (const [id, stat] of stats) {
    stat.firstResponseP50 = percentile(firsts.get(id)!.sort(ascending), 50);
    stat.durationP50 = percentile(durations.get(id)!.sort(ascending), 50);
    stat.ratingAvg = ratingAverage(ratings.get(id)!);
  }
  return { agents: [...stats.values()] };
}

/**
 * Invitations by outcome, read from the invitations themselves (each keeps its final status): those
 * created in the range, for chats of the rooms.
 */
async function countInvitations(
  store: Store,
  appId: string,
  query: Range & { rooms: number[] | undefined },
  stats: Map<string, AgentStats>,
): Promise<void> {
  let q = store.db
    .selectFrom('invitations as i')
    .innerJoin('chats as c', 'c.id', 'i.chatId')
    .select(['i.userId', 'i.status'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('i.appId', '=', appId)
    .where('i.created', '>=', query.from)
    .where('i.created', '<', query.to)
    .where('i.status', 'in', ['accepted', 'rejected', 'expired'])
    .groupBy(['i.userId', 'i.status']);
  if (query.rooms !== undefined) q = q.where('c.room', 'in', query.rooms.length > 0 ? query.rooms : [-1]);
  for (const row of await q.execute()) {
    const stat = stats.get(row.userId);
    if (stat) stat.invitations[row.status as 'accepted' | 'rejected' | 'expired'] += Number(row.n);
  }
}

/** Online and away seconds: each status stretch clipped to the range (an open one lasts until now). */
async function addStatusTime(
  store: Store,
  appId: string,
  query: Range,
  stats: Map<string, AgentStats>,
): Promise<void> {
  const now = nowSeconds();
  const end = Math.min(query.to, now);
  const rows = await reportDb(store.db)
    .selectFrom('reportAgentIntervals')
    .select(['agentId', 'status', 'started', 'ended'])
    .where('appId', '=', appId)
    .where('status', 'in', ['online', 'away'])
    .where('started', '<', end)
    .where((eb) => eb.or([eb('ended', 'is', null), eb('ended', '>', query.from)]))
    .execute();
  for (const row of rows) {
    const stat = stats.get(row.agentId);
    if (!stat) continue;
    const seconds = Math.max(
      0,
      Math.min(row.ended === null ? end : Number(row.ended), end) - Math.max(Number(row.started), query.from),
    );
    if (row.status === 'online') stat.onlineSeconds += seconds;
    else stat.awaySeconds += seconds;
  }
}
