import type { App } from '../apps/apps.ts';
import type { AuditBy } from '../audit/audit.ts';
import { afterCommit, commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { checkAppCap } from '../limits/caps.ts';
import { type Actor, personOf } from '../policies/actor.ts';
import { requireStillAdmin } from '../policies/people.ts';
import { agentToLogOut, requireAgentEditor } from '../policies/users.ts';
import { type Db, isUniqueViolation, type Tx } from '../store/database.ts';
import { decodeRooms, decodeStrings } from '../store/json.ts';
import type { AgentRole, UserRow } from '../store/schema.ts';
import { badRequest, conflict, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { hashPassword } from '../util/secrets.ts';
import { nowSeconds } from '../util/time.ts';
import { maxChatsOf, type User as UserView } from '../wire/user.ts';
import { auditAgentChange, auditAgentDeletion } from './audit.ts';
import { presentUsers } from './present.ts';
import { agentRouting } from './routing-hooks.ts';
import { endSessions, revokeSession } from './sessions.ts';
import { agentOfApp, insertUser, onlineAgentRows, selectAgents, updateUserRow } from './statements.ts';
import { changeAgentRow } from './status.ts';

export type AgentStatus = 'online' | 'away' | 'offline';

export interface AgentInput {
  name?: string;
  nickname?: string;
  contact?: string;
  password?: string;
  rooms?: number[];
  langs?: string[];
  maxChats?: number;
  status?: AgentStatus;
  /** false: deactivated (docs/security.md, "Sessions"); only the app server may change it. */
  active?: boolean;
  role?: AgentRole;
}

function checkRooms(app: App, rooms: number[]): void {
  const known = new Set(app.settings.rooms.map((r) => r.id));
  const unknown = rooms.filter((r) => !known.has(r));
  if (unknown.length > 0) {
    throw badRequest(`Unknown room ${unknown.join(', ')}`, [
      { field: 'rooms', message: `unknown room ${unknown.join(', ')}` },
    ]);
  }
}

export async function presentAgent(ctx: Ctx, app: App, row: UserRow): Promise<UserView> {
  const [view] = await presentUsers(ctx.store.db, [row], app.settings);
  return view!;
}

/** An admin person's role as of this transaction (policies/people.ts, requireStillAdmin). */
async function recheckAdmin(tx: Tx, actor: Actor): Promise<void> {
  if (actor.person)
    requireStillAdmin(actor, await agentOfApp.first(tx, { id: actor.person.id, appId: actor.app.id }));
}

export async function requireAgent(db: Db | Tx, app: App, id: string): Promise<UserRow> {
  const row = await agentOfApp.first(db, { id, appId: app.id });
  if (!row) throw notFound('Agent not found');
  return row;
}

/** POST /agents; `actor` when a request makes it (an admin person is checked again in the transaction). */
export async function createAgent(
  ctx: Ctx,
  app: App,
  input: Required<Pick<AgentInput, 'name' | 'contact' | 'password' | 'rooms'>> & AgentInput,
  by: AuditBy,
  actor?: Actor,
): Promise<UserView> {
  checkRooms(app, input.rooms);
  const row: UserRow = {
    id: newId(),
    appId: app.id,
    role: 'agent',
    agentRole: input.role ?? 'agent',
    name: input.name,
    nickname: input.nickname ?? null,
    contact: input.contact,
    externalId: null,
    extraInfo: '{}',
    providerId: 'local',
    passwordHash: await hashPassword(input.password),
    status: 'offline',
    rooms: JSON.stringify([...new Set(input.rooms)]),
    offRooms: '[]',
    langs: JSON.stringify(input.langs ?? []),
    maxChats: input.maxChats ?? null,
    activeChats: 0,
    lastInvited: 0,
    active: input.active === false ? 0 : 1,
    created: nowSeconds(),
    erased: null,
  };
  try {
    await ctx.store.transaction(async (tx) => {
      if (actor) await recheckAdmin(tx, actor);
      await checkAppCap(tx, app.id, 'agents', ctx.caps.agentsPerApp);
      await insertUser(tx, row);
      await auditAgentChange(tx, by, 'agents.create', undefined, row, true);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('An agent with this contact already exists');
    throw error;
  }
  return presentAgent(ctx, app, row);
}

export async function listAgents(
  ctx: Ctx,
  app: App,
  query: PageQuery = {},
): Promise<{ agents: UserView[]; next: string | null }> {
  const limit = limitOf(query);
  const after = decodeCursor(query.cursor);
  const rows = await selectAgents(ctx.store.db, app.id, after, limit);
  const { items, next } = page(rows, limit);
  return { agents: await presentUsers(ctx.store.db, items, app.settings), next };
}

export async function getAgent(ctx: Ctx, actor: Actor, id: string): Promise<UserView> {
  const row = await requireAgent(ctx.store.db, actor.app, id);
  const [view] = await presentUsers(ctx.store.db, [row], actor.app.settings, actor.user);
  return view!;
}

export async function updateAgent(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: AgentInput,
  by: AuditBy,
): Promise<UserView> {
  const agent = await requireAgent(ctx.store.db, actor.app, id);
  requireAgentEditor(actor, agent, Object.keys(input));
  if (input.rooms !== undefined) checkRooms(actor.app, input.rooms);
  const active = input.active ?? agent.active === 1;
  if (!active && input.status !== undefined && input.status !== 'offline')
    throw conflict('A deactivated agent cannot go online or away: reactivate it first (active: true)');
  const changes: Partial<UserRow> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.nickname !== undefined) changes.nickname = input.nickname;
  if (input.contact !== undefined) changes.contact = input.contact;
  if (input.password !== undefined) changes.passwordHash = await hashPassword(input.password);
  if (input.rooms !== undefined) changes.rooms = JSON.stringify([...new Set(input.rooms)]);
  if (input.langs !== undefined) changes.langs = JSON.stringify(input.langs);
  if (input.maxChats !== undefined) changes.maxChats = input.maxChats;
  if (input.status !== undefined) changes.status = input.status;
  if (input.active !== undefined) changes.active = active ? 1 : 0;
  if (input.role !== undefined) changes.agentRole = input.role;
  // Coming back from offline is a login: serve every room again. Otherwise an agent who logged out of
  // each room one by one would be "online" while serving none. away → online keeps a partial logout.
  if (input.status === 'online' && agent.status === 'offline') changes.offRooms = '[]';
  const deactivating = input.active === false;
  if (deactivating) Object.assign(changes, { status: 'offline', offRooms: '[]' });
  if (Object.keys(changes).length > 0) {
    try {
      await commitChange(ctx, actor.app.id, async (tx, emit) => {
        // Who may change what, again on the rows as this transaction reads them: the agent, and an
        // admin person's own role (a demoted admin, or an agent promoted since, is judged as it is now).
        await recheckAdmin(tx, actor);
        const before = await requireAgent(tx, actor.app, id);
        requireAgentEditor(actor, before, Object.keys(input));
        // Its chats first: chat rows are locked before the agent's row, as every chat command does.
        if (deactivating) await agentRouting().departed(tx, emit, actor.app, id);
        else if (input.role !== undefined || input.rooms !== undefined)
          await agentRouting().overseeing(
            tx,
            id,
            input.role ?? agent.agentRole ?? 'agent',
            input.rooms ?? decodeRooms(agent.rooms),
          );
        // Recorded before the row is written: a change that then fails (a taken contact) takes its
        // entry with it, as it does every other write of the transaction.
        await auditAgentChange(
          tx,
          by,
          'agents.update',
          before,
          { ...before, ...changes },
          input.password !== undefined,
        );
        await changeAgentRow(tx, emit, id, changes, deactivating ? 'deactivated' : 'update');
        await agentRouting().availabilityChanged(tx, actor.app, [
          ...decodeRooms(agent.rooms),
          ...(input.rooms ?? []),
        ]);
        // Deactivation ends every session; a new password every one but the changer's own.
        if (deactivating) await endSessions(ctx.bus, tx, actor.app.id, id);
        else if (input.password !== undefined)
          await endSessions(
            ctx.bus,
            tx,
            actor.app.id,
            id,
            personOf(actor)?.id === id ? actor.session : undefined,
          );
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('An agent with this contact already exists');
      throw error;
    }
  }
  return presentAgent(ctx, actor.app, await requireAgent(ctx.store.db, actor.app, id));
}

/** What a deleted agent keeps of its name (docs/security.md, "Sessions"). */
export const DELETED_AGENT_NAME = 'Deleted agent';

/**
 * DELETE /agents/{id} — deactivates the agent and anonymises it (name, nickname, contact, extra info,
 * password). The row stays, so the lines it wrote stay in transcripts under its id.
 */
export async function deleteAgent(ctx: Ctx, app: App, id: string, by: AuditBy): Promise<void> {
  const agent = await requireAgent(ctx.store.db, app, id);
  await commitChange(ctx, app.id, async (tx, emit) => {
    await auditAgentDeletion(tx, by, await requireAgent(tx, app, id));
    await agentRouting().departed(tx, emit, app, id);
    await changeAgentRow(
      tx,
      emit,
      id,
      {
        active: 0,
        status: 'offline',
        offRooms: '[]',
        name: DELETED_AGENT_NAME,
        nickname: null,
        contact: null,
        extraInfo: '{}',
        passwordHash: null,
      },
      'deleted',
    );
    await agentRouting().availabilityChanged(tx, app, decodeRooms(agent.rooms));
    await endSessions(ctx.bus, tx, app.id, id);
  });
}

/** An agent's role as the app's identity provider names it (sso/, `roleClaim`): an admin's change. */
export async function setAgentRole(
  ctx: Ctx,
  app: App,
  id: string,
  role: AgentRole,
  by: AuditBy,
): Promise<void> {
  await commitChange(ctx, app.id, async (tx) => {
    const before = await requireAgent(tx, app, id);
    await updateUserRow(tx, id, { agentRole: role });
    await auditAgentChange(tx, by, 'agents.update', before, { ...before, agentRole: role }, false);
  });
}

/** POST /agents/logout — out of some rooms, or out of all (status `offline`). */
export async function logoutAgent(
  ctx: Ctx,
  actor: Actor,
  input: { agentId?: string; rooms?: number[] },
): Promise<void> {
  const agentId = agentToLogOut(actor, input.agentId);
  const agent = await requireAgent(ctx.store.db, actor.app, agentId);
  if (input.rooms === undefined || input.rooms.length === 0) {
    await commitChange(ctx, actor.app.id, async (tx, emit) => {
      await changeAgentRow(tx, emit, agent.id, { status: 'offline', offRooms: '[]' }, 'logout');
      await agentRouting().availabilityChanged(tx, actor.app, decodeRooms(agent.rooms));
      // The agent's own sign-out ends the session it signed out with (the app server's ends none).
      if (personOf(actor)?.id === agent.id && actor.session !== undefined) {
        await revokeSession(tx, actor.session);
        afterCommit(tx, () => ctx.bus.revoked({ appId: actor.app.id, userId: agent.id }));
      }
    });
    return;
  }
  checkRooms(actor.app, input.rooms);
  const off = new Set([...decodeRooms(agent.offRooms), ...input.rooms]);
  const rooms = decodeRooms(agent.rooms);
  const stillIn = rooms.filter((r) => !off.has(r));
  await commitChange(ctx, actor.app.id, async (tx, emit) => {
    const changes = {
      offRooms: JSON.stringify([...off]),
      ...(stillIn.length === 0 ? { status: 'offline' as const } : {}),
    };
    await changeAgentRow(tx, emit, agent.id, changes, 'logout');
    await agentRouting().availabilityChanged(tx, actor.app, input.rooms ?? []);
  });
}

/** Online agents of the app with the rooms they currently serve. */
async function onlineAgents(
  ctx: Ctx,
  app: App,
): Promise<Array<{ row: UserRow; rooms: number[]; langs: string[] }>> {
  const rows = await onlineAgentRows(ctx.store.db, app.id);
  return rows.map((row) => {
    const off = new Set(decodeRooms(row.offRooms));
    return {
      row,
      rooms: decodeRooms(row.rooms).filter((r) => !off.has(r)),
      langs: decodeStrings(row.langs),
    };
  });
}

/** GET /agents/available — per room, how many online agents have a free slot. */
export async function availableAgents(
  ctx: Ctx,
  app: App,
  query: { roomIds?: number[]; langs?: string[] },
): Promise<Record<string, number>> {
  const roomIds = query.roomIds ?? app.settings.rooms.map((r) => r.id);
  const agents = await onlineAgents(ctx, app);
  const result: Record<string, number> = {};
  for (const room of roomIds) {
    result[String(room)] = agents.filter(
      (a) =>
        a.rooms.includes(room) &&
        a.row.activeChats < maxChatsOf(a.row, app.settings) &&
        (!query.langs ||
          query.langs.length === 0 ||
          a.langs.length === 0 ||
          a.langs.some((l) => query.langs!.includes(l))),
    ).length;
  }
  return result;
}

/** GET /agents/online — whether any agent is online (in the room, when one is given). */
export async function agentsOnline(ctx: Ctx, app: App, roomId: number | undefined): Promise<boolean> {
  const agents = await onlineAgents(ctx, app);
  return agents.some((a) => roomId === undefined || a.rooms.includes(roomId));
}
