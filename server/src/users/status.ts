import { sql } from 'kysely';
import type { Emit } from '../events/commit.ts';
import { onPostgres, type Tx } from '../store/database.ts';
import { decodeRooms } from '../store/json.ts';
import type { UserRow } from '../store/schema.ts';
import type { AgentStatusReason } from '../wire/events.ts';
import { updateUserRow } from './statements.ts';

type Status = 'online' | 'away' | 'offline';

/** The rooms an agent serves: its rooms less those it logged out of (docs/routing.md). */
function servedRooms(row: Pick<UserRow, 'rooms' | 'offRooms'>): number[] {
  const off = new Set(decodeRooms(row.offRooms));
  return decodeRooms(row.rooms).filter((room) => !off.has(room));
}

/**
 * Every change of an agent's row that may move its status or the rooms it serves goes through here,
 * inside the change's transaction: the row is locked and read, changed, and when its status or its
 * served rooms moved an `agents:status` event is emitted in the same transaction (docs/reports.md,
 * "Agent status"). Reports count online and away time from these events alone.
 */
export async function changeAgentRow(
  tx: Tx,
  emit: Emit,
  agentId: string,
  changes: Partial<UserRow>,
  reason: AgentStatusReason,
): Promise<void> {
  if (onPostgres(tx)) await sql`select 1 from users where id = ${agentId} for update`.execute(tx);
  const before = await tx
    .selectFrom('users')
    .select(['role', 'status', 'rooms', 'offRooms'])
    .where('id', '=', agentId)
    .executeTakeFirst();
  await updateUserRow(tx, agentId, changes);
  if (before?.role !== 'agent') return;
  const after = { ...before, ...changes } as typeof before;
  const previous: Status = before.status ?? 'offline';
  const status: Status = after.status ?? 'offline';
  const roomsBefore = servedRooms(before);
  const rooms = servedRooms(after);
  if (status === previous && roomsBefore.join() === rooms.join()) return;
  await emit({
    trigger: 'agents:status',
    userId: agentId,
    data: { agentId, status, previous, rooms, reason },
  });
}
