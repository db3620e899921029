import type { Store } from '../store/database.ts';
import { bucketStart, bucketStarts, type Interval, zoneOf } from './buckets.ts';
import { catchUp } from './project.ts';
import type { Range } from './range.ts';
import { ascending, csatOf, percentile, ratingAverage } from './stats.ts';
import { reportDb } from './tables.ts';

/** One bucket of the chats report, or its totals (docs/reports.md, "Definitions"). */
export interface ChatStats {
  chats: number;
  answered: number;
  missed: number;
  abandoned: number;
  waitP50: number | null;
  waitP90: number | null;
  firstResponseP50: number | null;
  firstResponseP90: number | null;
  durationP50: number | null;
  ratings: number;
  ratingAvg: number | null;
  csat: number | null;
}

export interface ChatsReport {
  series: Array<{ start: number } & ChatStats>;
  totals: ChatStats;
}

export interface ChatsReportQuery extends Range {
  interval: Interval;
  tz: string;
  /** undefined: every room. */
  rooms: number[] | undefined;
  agent?: string | undefined;
}

/** A chat's facts as the projection holds them. */
export interface ChatFacts {
  chatId: string;
  room: number;
  created: number;
  firstJoin: number | null;
  firstResponse: number | null;
  closed: number | null;
  abandoned: number;
  agentOnline: number;
  rating: number | null;
}

/** The projection's chats created in [from, to) of the rooms (and with the agent), caught up first. */
export async function chatFacts(
  store: Store,
  appId: string,
  query: Range & { rooms: number[] | undefined; agent?: string | undefined },
): Promise<ChatFacts[]> {
  await catchUp(store, appId);
  if (query.rooms !== undefined && query.rooms.length === 0) return [];
  let q = reportDb(store.db)
    .selectFrom('reportChats as c')
    .select([
      'c.chatId',
      'c.room',
      'c.created',
      'c.firstJoin',
      'c.firstResponse',
      'c.closed',
      'c.abandoned',
      'c.agentOnline',
      'c.rating',
    ])
    .where('c.appId', '=', appId)
    .where('c.created', '>=', query.from)
    .where('c.created', '<', query.to);
  if (query.rooms !== undefined) q = q.where('c.room', 'in', query.rooms);
  if (query.agent !== undefined) {
    const agent = query.agent;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('reportChatAgents as a')
          .select('a.agentId')
          .whereRef('a.chatId', '=', 'c.chatId')
          .where('a.agentId', '=', agent),
      ),
    );
  }
  const rows = await q.execute();
  return rows.map((row) => ({
    ...row,
    room: Number(row.room),
    created: Number(row.created),
    firstJoin: row.firstJoin === null ? null : Number(row.firstJoin),
    firstResponse: row.firstResponse === null ? null : Number(row.firstResponse),
    closed: row.closed === null ? null : Number(row.closed),
    abandoned: Number(row.abandoned),
    agentOnline: Number(row.agentOnline),
    rating: row.rating === null ? null : Number(row.rating),
  }));
}

/** GET /reports/chats: the series in the zone's buckets and the totals of the whole range. */
export async function chatsReport(
  store: Store,
  appId: string,
  query: ChatsReportQuery,
): Promise<ChatsReport> {
  const zone = zoneOf(query.tz);
  const starts = bucketStarts(zone, query.interval, query.from, query.to);
  const facts = await chatFacts(store, appId, query);
  const byStart = new Map<number, ChatFacts[]>(starts.map((start) => [start, []]));
  for (const chat of facts) byStart.get(bucketStart(zone, query.interval, chat.created))?.push(chat);
  return {
    series: starts.map((start) => ({ start, ...summarise(byStart.get(start) ?? []) })),
    totals: summarise(facts),
  };
}

export function summarise(chats: readonly ChatFacts[]): ChatStats {
  const waits: number[] = [];
  const firsts: number[] = [];
  const durations: number[] = [];
  const ratings: number[] = [];
  let missed = 0;
  let abandoned = 0;
  for (const chat of chats) {
    if (chat.firstJoin !== null) waits.push(chat.firstJoin - chat.created);
    if (chat.firstResponse !== null) firsts.push(chat.firstResponse - chat.created);
    if (chat.closed !== null) {
      durations.push(chat.closed - chat.created);
      if (chat.firstJoin === null && chat.agentOnline === 1) missed++;
    }
    if (chat.abandoned === 1) abandoned++;
    if (chat.rating !== null) ratings.push(chat.rating);
  }
  waits.sort(ascending);
  firsts.sort(ascending);
  durations.sort(ascending);
  return {
    chats: chats.length,
    answered: waits.length,
    missed,
    abandoned,
    waitP50: percentile(waits, 50),
    waitP90: percentile(waits, 90),
    firstResponseP50: percentile(firsts, 50),
    firstResponseP90: percentile(firsts, 90),
    durationP50: percentile(durations, 50),
    ratings: ratings.length,
    ratingAvg: ratingAverage(ratings),
    csat: csatOf(ratings),
  };
}
