import type { App } from '../apps/apps.ts';
import { type AuditBy, changesBetween, recordAudit } from '../audit/audit.ts';
import { commitChange } from '../events/commit.ts';
import type { Ctx } from '../events/context.ts';
import { capReached } from '../limits/caps.ts';
import type { Actor } from '../policies/actor.ts';
import { ownerOfNew, requireCannedEditor, requireCannedUser } from '../policies/canned.ts';
import { isUniqueViolation, type Tx } from '../store/database.ts';
import { decodeRooms } from '../store/json.ts';
import type { CannedRow } from '../store/schema.ts';
import { conflict, invalidField, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { type CannedResponse, presentCanned } from '../wire/canned.ts';
import {
  countCannedLocked,
  deleteCannedRow,
  insertCanned,
  lockedCanned,
  selectCanned,
  updateCannedRow,
} from './statements.ts';

/** The canned-response commands (docs/web.md, "Canned responses"). */

/** An app holds at most this many (shared and agents' own together): a list no tenant grows without bound. */
export const MAX_CANNED_PER_APP = 5000;

export interface CannedInput {
  shortcut: string;
  title: string;
  text: string;
  rooms?: number[];
  shared?: boolean;
}

/** Rooms as stored: each a room of the app, no repeats; an empty list is every room, like none. */
function roomsColumn(app: App, rooms: number[] | undefined): string | null {
  if (rooms === undefined || rooms.length === 0) return null;
  const known = new Set(app.settings.rooms.map((r) => r.id));
  rooms.forEach((room, i) => {
    if (!known.has(room)) throw invalidField(`rooms.${i}`, `unknown room ${room}`);
  });
  return JSON.stringify([...new Set(rooms)]);
}

const duplicate = (shortcut: string) =>
  conflict(`The shortcut /${shortcut} is taken`, [
    { field: 'shortcut', message: 'is taken by another response of the same owner' },
  ]);

export async function listCanned(
  ctx: Ctx,
  actor: Actor,
  query: { q?: string; room?: number; limit: number; cursor?: string },
): Promise<{ canned: CannedResponse[]; next: string | null }> {
  requireCannedUser(actor);
  const user = actor.user;
  const rows = await selectCanned(ctx.store.db, {
    appId: actor.app.id,
    visibleTo: user ? { ownerId: user.id, rooms: decodeRooms(user.rooms) } : undefined,
    room: query.room,
    q: query.q,
    after: decodeCursor(query.cursor),
    limit: query.limit,
  });
  const { items, next } = page(rows, query.limit);
  return { canned: items.map(presentCanned), next };
}

/** What the audit log shows of a canned response: what an editor can change. */
function auditView(row: CannedRow): Record<string, unknown> {
  const { id: _id, created: _created, updated: _updated, ...view } = presentCanned(row);
  return view;
}

/** The audit entry of a change to a canned response, in its transaction (docs/security.md, "Audit log"). */
async function auditCanned(
  tx: Tx,
  by: AuditBy,
  action: string,
  before: CannedRow | undefined,
  after: CannedRow | undefined,
): Promise<void> {
  const row = (after ?? before)!;
  const changes = changesBetween(before && auditView(before), after && auditView(after));
  if (!changes) return;
  await recordAudit(tx, { appId: row.appId, by, action, target: { type: 'canned', id: row.id }, changes });
}

export async function createCanned(
  ctx: Ctx,
  actor: Actor,
  input: CannedInput,
  by: AuditBy,
): Promise<CannedResponse> {
  const rooms = roomsColumn(actor.app, input.rooms);
  const ownerId = ownerOfNew(actor, input.shared, rooms === null ? null : decodeRooms(rooms));
  try {
    return await commitChange(ctx, actor.app.id, async (tx) => {
      if ((await countCannedLocked(tx, actor.app.id)) >= MAX_CANNED_PER_APP)
        throw capReached('canned responses per app', MAX_CANNED_PER_APP);
      const now = nowSeconds();
      const row: CannedRow = {
        id: newId(),
        appId: actor.app.id,
        ownerId,
        shortcut: input.shortcut,
        title: input.title,
        text: input.text,
        rooms,
        created: now,
        updated: now,
      };
      await insertCanned(tx, row);
      await auditCanned(tx, by, 'canned.create', undefined, row);
      return presentCanned(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate(input.shortcut);
    throw error;
  }
}

export async function updateCanned(
  ctx: Ctx,
  actor: Actor,
  id: string,
  input: Partial<Omit<CannedInput, 'shared'>>,
  by: AuditBy,
): Promise<CannedResponse> {
  requireCannedUser(actor);
  try {
    return await commitChange(ctx, actor.app.id, async (tx) => {
      const row = await lockedCanned(tx, actor.app.id, id);
      if (!row) throw notFound('Canned response not found');
      requireCannedEditor(actor, row);
      const changes: Partial<CannedRow> = { updated: nowSeconds() };
      if (input.shortcut !== undefined) changes.shortcut = input.shortcut;
      if (input.title !== undefined) changes.title = input.title;
      if (input.text !== undefined) changes.text = input.text;
      if (input.rooms !== undefined) changes.rooms = roomsColumn(actor.app, input.rooms);
      // A shared response may not be narrowed to rooms its manager may not manage either.
      if (changes.rooms !== undefined) requireCannedEditor(actor, { ...row, rooms: changes.rooms });
      await updateCannedRow(tx, id, changes);
      await auditCanned(tx, by, 'canned.update', row, { ...row, ...changes });
      return presentCanned({ ...row, ...changes });
    });
  } catch (error) {
    if (isUniqueViolation(error) && input.shortcut !== undefined) throw duplicate(input.shortcut);
    throw error;
  }
}

export async function deleteCanned(ctx: Ctx, actor: Actor, id: string, by: AuditBy): Promise<void> {
  requireCannedUser(actor);
  await commitChange(ctx, actor.app.id, async (tx) => {
    const row = await lockedCanned(tx, actor.app.id, id);
    if (!row) throw notFound('Canned response not found');
    requireCannedEditor(actor, row);
    await deleteCannedRow(tx, id);
    await auditCanned(tx, by, 'canned.delete', row, undefined);
  });
}
