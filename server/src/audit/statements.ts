import type { Db } from '../store/database.ts';
import type { AuditRow } from '../store/schema.ts';
import type { AuditActorKind } from './audit.ts';

/** GET /v1/audit's filters (docs/security.md, "Audit log"). */
export interface AuditFilter {
  /** An actor kind (`secret`, `admin-key`, `system`, `agent`: any agent) or one agent's id. */
  actor?: string | undefined;
  /** An action (`agents.update`) or an area (`agents`: every `agents.*`). */
  action?: string | undefined;
  /** Unix seconds, both ends included. */
  since?: number | undefined;
  until?: number | undefined;
}

const KINDS: ReadonlySet<string> = new Set<AuditActorKind>(['secret', 'agent', 'admin-key', 'system']);

/** One page of an app's entries, newest first, after the entry `before` (the cursor's id). */
export async function selectAuditEntries(
  db: Db,
  appId: string,
  filter: AuditFilter,
  before: string | undefined,
  limit: number,
): Promise<AuditRow[]> {
  let query = db.selectFrom('auditEntries').selectAll().where('appId', '=', appId);
  if (filter.actor !== undefined)
    query = KINDS.has(filter.actor)
      ? query.where('actorKind', '=', filter.actor as AuditActorKind)
      : query.where('actorId', '=', filter.actor);
  if (filter.action !== undefined)
    query = filter.action.includes('.')
      ? query.where('action', '=', filter.action)
      : query.where('action', 'like', `${filter.action}.%`);
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('at', '<=', filter.until);
  if (before !== undefined) query = query.where('id', '<', before);
  return query
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}
