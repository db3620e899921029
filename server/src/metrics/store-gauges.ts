import { type App, findApp } from '../apps/apps.ts';
import { servedRooms } from '../routing/eligibility.ts';
import type { Store } from '../store/database.ts';
import { rawRows } from '../store/raw.ts';
import { nowSeconds } from '../util/time.ts';

/**
 * What the exporter reads from the store at scrape time (docs/operations.md): a few grouped reads,
 * each entering its table through an index by app or webhook (so the closed chats and the delivered
 * log are never scanned: `cross join` keeps SQLite's loop over the small table outside), at most
 * once a second however often it is scraped. Nothing here runs per request.
 */

/** Room labels kept per metric: the lowest room ids; the rest are summed under `room="other"`. */
export const ROOM_LABELS_MAX = 100;

export interface RoomCounts {
  /** Room label → value. */
  waiting: Map<string, number>;
  /** Room label → seconds the oldest waiting chat of the room has waited since it was created. */
  oldestWait: Map<string, number>;
  online: Map<string, number>;
  available: Map<string, number>;
}

export interface StoreReading extends RoomCounts {
  /** Webhook deliveries pending (not yet delivered nor given up), and the oldest one's age in seconds. */
  backlog: number;
  backlogOldest: number;
  /** PostgreSQL: events committed but not positioned yet (the sequencer's queue); 0 on SQLite. */
  unpositioned: number;
}

const WAITING = `select c.room as "room", count(*) as "n", min(c.created) as "oldest"
  from apps a cross join chats c where c.app_id = a.id and c.status = 'waiting'
  group by c.room`;

const ONLINE_AGENTS = `select u.app_id as "appId", u.rooms as "rooms", u.off_rooms as "offRooms",
  u.max_chats as "maxChats", u.active_chats as "activeChats"
  from apps a cross join users u where u.app_id = a.id and u.role = 'agent' and u.status = 'online'`;

const BACKLOG = `select count(*) as "n", min(d.created) as "oldest"
  from webhooks w cross join webhook_deliveries d where d.webhook_id = w.id and d.status = 'pending'`;

const UNPOSITIONED = `select count(*) as "n" from events where position is null`;

/** Labels for rooms: the ROOM_LABELS_MAX lowest ids as themselves, any other as "other". */
export function roomLabels(rooms: Iterable<number>): (room: number) => string {
  const kept = new Set([...new Set(rooms)].sort((a, b) => a - b).slice(0, ROOM_LABELS_MAX));
  return (room) => (kept.has(room) ? String(room) : 'other');
}

function add(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

export async function readStore(store: Store): Promise<StoreReading> {
  const db = store.db;
  const now = nowSeconds();
  const [waiting, agents, backlog, unpositioned] = await Promise.all([
    rawRows<{ room: number; n: number; oldest: number }>(db, WAITING, []),
    rawRows<{
      appId: string;
      rooms: string | null;
      offRooms: string;
      maxChats: number | null;
      activeChats: number;
    }>(db, ONLINE_AGENTS, []),
    rawRows<{ n: number; oldest: number | null }>(db, BACKLOG, []),
    store.dialect === 'postgres' ? rawRows<{ n: number }>(db, UNPOSITIONED, []) : Promise.resolve([]),
  ]);
  // An agent without its own maxChats takes its app's (settings: assign.maxChatsPerAgent).
  const apps = new Map<string, App | undefined>();
  for (const agent of agents)
    if (agent.maxChats === null && !apps.has(agent.appId))
      apps.set(agent.appId, await findApp(db, agent.appId));
  const served = agents.map((agent) => servedRooms(agent));
  const label = roomLabels([...waiting.map((w) => Number(w.room)), ...served.flat()]);

  const reading: StoreReading = {
    waiting: new Map(),
    oldestWait: new Map(),
    online: new Map(),
    available: new Map(),
    backlog: Number(backlog[0]?.n ?? 0),
    backlogOldest: backlog[0]?.oldest == null ? 0 : Math.max(0, now - Number(backlog[0].oldest)),
    unpositioned: Number(unpositioned[0]?.n ?? 0),
  };
  for (const row of waiting) {
    const room = label(Number(row.room));
    add(reading.waiting, room, Number(row.n));
    const waited = Math.max(0, now - Number(row.oldest));
    reading.oldestWait.set(room, Math.max(reading.oldestWait.get(room) ?? 0, waited));
  }
  agents.forEach((agent, i) => {
    const max = agent.maxChats ?? apps.get(agent.appId)?.settings.assign.maxChatsPerAgent ?? 0;
    const free = Number(agent.activeChats) < max;
    for (const room of new Set((served[i] ?? []).map(label))) {
      add(reading.online, room, 1);
      add(reading.available, room, free ? 1 : 0);
    }
  });
  return reading;
}
