import { sql } from 'kysely';
import type { EventDataByTrigger, Trigger } from '../events/catalog.ts';
import { onPostgres, type Store, type Tx } from '../store/database.ts';
import { decodeObject, decodeRooms } from '../store/json.ts';
import { type ReportDb, reportDb } from './tables.ts';

/**
 * The report projection (docs/reports.md, "How reports are computed"): the event log of each app read
 * in position order after the app's checkpoint, each event folded into the report tables, the
 * checkpoint moved — all in one transaction, so the tables are always exactly "the events up to the
 * checkpoint". Two passes on one app (the loop and a report request catching up) queue on the
 * checkpoint row; the second reads after the first's checkpoint.
 */

/** Events folded per transaction. */
export const PROJECTION_BATCH = 1000;

interface LoggedEvent {
  position: number;
  trigger: string;
  chatId: string | null;
  data: string;
  created: number;
}

/** Whether a user id is an agent's: the role never changes, so asking the users table is stable. */
type Roles = (id: string) => Promise<boolean>;

function rolesOf(tx: Tx): Roles {
  const known = new Map<string, boolean>();
  return async (id) => {
    let agent = known.get(id);
    if (agent === undefined) {
      const row = await tx.selectFrom('users').select('role').where('id', '=', id).executeTakeFirst();
      agent = row?.role === 'agent';
      known.set(id, agent);
    }
    return agent;
  };
}

/** Folds up to `batch` events of the app; answers how many it folded (fewer than `batch`: caught up). */
export async function projectApp(store: Store, appId: string, batch = PROJECTION_BATCH): Promise<number> {
  return store.transaction(async (tx) => {
    const db = reportDb(tx);
    await db
      .insertInto('reportCheckpoints')
      .values({ appId, position: 0 })
      .onConflict((oc) => oc.column('appId').doNothing())
      .execute();
    let checkpoint = db.selectFrom('reportCheckpoints').select('position').where('appId', '=', appId);
    if (onPostgres(tx)) checkpoint = checkpoint.forUpdate();
    const { position } = await checkpoint.executeTakeFirstOrThrow();
    const events: LoggedEvent[] = await tx
      .selectFrom('events')
      .select(['position', 'trigger', 'chatId', 'data', 'created'])
      .where('appId', '=', appId)
      .where('position', '>', Number(position))
      .orderBy('position')
      .limit(batch)
      .execute();
    if (events.length === 0) return 0;
    const isAgent = rolesOf(tx);
    for (const event of events) await fold(db, appId, event, isAgent);
    await db
      .updateTable('reportCheckpoints')
      .set({ position: events[events.length - 1]!.position })
      .where('appId', '=', appId)
      .execute();
    return events.length;
  });
}

/** Brings the app's projection up to the head of its log (or `maxBatches` batches, whichever first). */
export async function catchUp(store: Store, appId: string, maxBatches = 50): Promise<void> {
  for (let i = 0; i < maxBatches; i++) {
    if ((await projectApp(store, appId)) < PROJECTION_BATCH) return;
  }
}

/** Apps whose log is ahead of their checkpoint. */
export async function appsBehind(store: Store): Promise<string[]> {
  const rows = await reportDb(store.db)
    .selectFrom('apps as a')
    .leftJoin('reportCheckpoints as c', 'c.appId', 'a.id')
    .select('a.id')
    .where((eb) => eb('a.eventPosition', '>', eb.fn.coalesce('c.position', sql<number>`0`)))
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Rebuilds the projection from scratch (docs/reports.md, "Rebuilding"): drops the app's report rows
 * (every app's without `appId`) and folds its whole log again.
 */
export async function rebuildReports(store: Store, appId?: string): Promise<void> {
  await store.transaction(async (tx) => {
    const db = reportDb(tx);
    for (const table of [
      'reportCheckpoints',
      'reportChats',
      'reportChatAgents',
      'reportAgents',
      'reportAgentIntervals',
    ] as const) {
      let q = db.deleteFrom(table);
      if (appId !== undefined) q = q.where('appId', '=', appId);
      await q.execute();
    }
  });
  for (const app of appId !== undefined ? [appId] : await appsBehind(store)) {
    while ((await projectApp(store, app)) === PROJECTION_BATCH) {}
  }
}

type Data<T extends Trigger> = EventDataByTrigger[T];

async function fold(db: ReportDb, appId: string, event: LoggedEvent, isAgent: Roles): Promise<void> {
  const at = Number(event.created);
  const data = decodeObject(event.data);
  switch (event.trigger) {
    case 'chats:create':
      return chatCreated(db, appId, (data as Data<'chats:create'>).chat, at);
    case 'chats:join': {
      const { chatId, userId } = data as Data<'chats:join'>;
      if (!(await isAgent(userId))) return;
      await db
        .insertInto('reportChatAgents')
        .values({ chatId, agentId: userId, appId, joined: at })
        .onConflict((oc) => oc.columns(['chatId', 'agentId']).doNothing())
        .execute();
      await db
        .updateTable('reportChats')
        .set((eb) => ({
          firstJoin: eb.fn.coalesce('firstJoin', sql<number>`${at}`),
          agentsPresent: eb('agentsPresent', '+', 1),
        }))
        .where('chatId', '=', chatId)
        .execute();
      return;
    }
    case 'chats:leave': {
      const { chatId, userId } = data as Data<'chats:leave'>;
      if (!(await isAgent(userId))) return;
      await db
        .updateTable('reportChats')
        .set((eb) => ({ agentsPresent: eb('agentsPresent', '-', 1) }))
        .where('chatId', '=', chatId)
        .where('agentsPresent', '>', 0)
        .execute();
      return;
    }
    case 'messages:new': {
      const { message } = data as Data<'messages:new'>;
      if (message.visibility === 'agents' || message.type === 'system') return;
      const agent = await isAgent(message.sender);
      await db
        .updateTable('reportChats')
        .set((eb) => ({
          messages: eb('messages', '+', 1),
          ...(agent
            ? {
                firstResponse: eb.fn.coalesce('firstResponse', sql<number>`${at}`),
                firstResponder: eb.fn.coalesce('firstResponder', sql<string>`${message.sender}`),
              }
            : {}),
        }))
        .where('chatId', '=', message.chat)
        .execute();
      return;
    }
    case 'chats:close': {
      const { chatId, userId } = data as Data<'chats:close'>;
      await db
        .updateTable('reportChats')
        .set((eb) => ({
          closed: at,
          closedBy: userId,
          abandoned: eb
            .case()
            .when(eb.and([eb('creator', '=', userId), eb('agentsPresent', '=', 0)]))
            .then(1)
            .else(0)
            .end(),
        }))
        .where('chatId', '=', chatId)
        .where('closed', 'is', null)
        .execute();
      return;
    }
    case 'agents:status':
      return statusChanged(db, appId, data as Data<'agents:status'>, at);
    case 'surveys:response': {
      const { chatId, rating } = data as Data<'surveys:response'>;
      if (rating === null) return;
      await db
        .updateTable('reportChats')
        .set({ rating })
        .where('chatId', '=', chatId)
        .where('rating', 'is', null)
        .execute();
      return;
    }
    default:
      return;
  }
}

async function chatCreated(db: ReportDb, appId: string, chat: Data<'chats:create'>['chat'], at: number) {
  const online = await db
    .selectFrom('reportAgents')
    .select('rooms')
    .where('appId', '=', appId)
    .where('status', '=', 'online')
    .execute();
  const served = online.some((row) => decodeRooms(row.rooms).includes(chat.room));
  await db
    .insertInto('reportChats')
    .values({
      chatId: chat.id,
      appId,
      room: chat.room,
      creator: chat.creator,
      created: at,
      firstJoin: null,
      firstResponse: null,
      firstResponder: null,
      closed: null,
      closedBy: null,
      abandoned: 0,
      agentOnline: served ? 1 : 0,
      agentsPresent: 0,
      messages: 0,
      rating: null,
    })
    .onConflict((oc) => oc.column('chatId').doNothing())
    .execute();
}

async function statusChanged(db: ReportDb, appId: string, data: Data<'agents:status'>, at: number) {
  const { agentId, status, rooms } = data;
  const current = await db
    .selectFrom('reportAgents')
    .select('status')
    .where('agentId', '=', agentId)
    .executeTakeFirst();
  if (current?.status !== status) {
    await db
      .updateTable('reportAgentIntervals')
      .set({ ended: at })
      .where('appId', '=', appId)
      .where('agentId', '=', agentId)
      .where('ended', 'is', null)
      .execute();
    await db
      .insertInto('reportAgentIntervals')
      .values({ appId, agentId, status, started: at, ended: null })
      .execute();
  }
  await db
    .insertInto('reportAgents')
    .values({ agentId, appId, status, rooms: JSON.stringify(rooms), since: at })
    .onConflict((oc) =>
      oc.column('agentId').doUpdateSet({
        status,
        rooms: JSON.stringify(rooms),
        ...(current?.status !== status ? { since: at } : {}),
      }),
    )
    .execute();
  if (status === 'online' && rooms.length > 0) {
    // Every chat of those rooms still waiting for its first agent now waits while one is online.
    await db
      .updateTable('reportChats')
      .set({ agentOnline: 1 })
      .where('appId', '=', appId)
      .where('closed', 'is', null)
      .where('firstJoin', 'is', null)
      .where('room', 'in', rooms)
      .execute();
  }
}
