import { type AuditBy, type Changes, changesBetween, REDACTED, recordAudit } from '../audit/audit.ts';
import type { Tx } from '../store/database.ts';
import { decodeObject, decodeRooms, decodeStrings } from '../store/json.ts';
import type { UserRow } from '../store/schema.ts';

/**
 * What the audit log shows of an agent (docs/security.md, "Audit log"): its settings, never its
 * password (only the fact that one was set), nor its status (presence, not administration).
 */
export function agentAuditView(row: UserRow): Record<string, unknown> {
  return {
    name: row.name,
    nickname: row.nickname,
    contact: row.contact,
    rooms: decodeRooms(row.rooms),
    langs: decodeStrings(row.langs),
    maxChats: row.maxChats,
    active: row.active === 1,
    role: row.agentRole ?? 'agent',
  };
}

/** The entry of a change to an agent, from its row before and after; none when nothing audited changed. */
export async function auditAgentChange(
  tx: Tx,
  by: AuditBy,
  action: 'agents.create' | 'agents.update',
  before: UserRow | undefined,
  after: UserRow,
  passwordSet: boolean,
): Promise<void> {
  const changes: Changes = changesBetween(before && agentAuditView(before), agentAuditView(after)) ?? {};
  if (passwordSet) changes.password = before ? { before: REDACTED, after: REDACTED } : { after: REDACTED };
  if (Object.keys(changes).length === 0) return;
  await recordAudit(tx, { appId: after.appId, by, action, target: { type: 'agent', id: after.id }, changes });
}

/** The name the log keeps for a deleted agent, in the entries it made and its refused sign-ins. */
export const ANONYMISED = 'Deleted agent';

const PERSONAL = ['name', 'nickname', 'contact'];

/** The entries about the agent keep which fields changed, not the name, nickname and contact it had. */
async function forgetPersonalFields(tx: Tx, agent: UserRow): Promise<void> {
  const rows = await tx
    .selectFrom('auditEntries')
    .select(['id', 'changes'])
    .where('appId', '=', agent.appId)
    .where('targetType', '=', 'agent')
    .where('targetId', '=', agent.id)
    .where('changes', 'is not', null)
    .execute();
  for (const row of rows) {
    const changes = decodeObject(row.changes!) as Changes;
    const personal = PERSONAL.filter((field) => changes[field] !== undefined);
    if (personal.length === 0) continue;
    for (const field of personal) {
      const change = changes[field]!;
      for (const side of ['before', 'after'] as const)
        if (change[side] !== undefined && change[side] !== null) change[side] = ANONYMISED;
    }
    await tx
      .updateTable('auditEntries')
      .set({ changes: JSON.stringify(changes) })
      .where('id', '=', row.id)
      .execute();
  }
}

/**
 * DELETE /agents/{id}: its entry says it was deactivated and anonymised — not what its name and contact
 * were — and the log forgets them too: the entries it made or that changed it keep its id, not its
 * name, nickname and contact.
 */
export async function auditAgentDeletion(tx: Tx, by: AuditBy, agent: UserRow): Promise<void> {
  await tx
    .updateTable('auditEntries')
    .set({ actorName: ANONYMISED })
    .where('appId', '=', agent.appId)
    .where('actorId', '=', agent.id)
    .execute();
  await forgetPersonalFields(tx, agent);
  await recordAudit(tx, {
    appId: agent.appId,
    by,
    action: 'agents.delete',
    target: { type: 'agent', id: agent.id },
    changes: { active: { before: agent.active === 1, after: false }, anonymised: { after: true } },
  });
}
