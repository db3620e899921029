import { type Static, Type } from '@sinclair/typebox';
import { decodeObject } from '../store/json.ts';
import type { AuditRow } from '../store/schema.ts';

/** Who acted (docs/security.md, "Audit log"). */
export const AuditActor = Type.Object({
  kind: Type.Union([
    Type.Literal('secret'),
    Type.Literal('agent'),
    Type.Literal('admin-key'),
    Type.Literal('system'),
  ]),
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
});

/** One changed field; a secret's, password's or token's value is `"[redacted]"`. */
export const AuditFieldChange = Type.Object({
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
});

export const AuditEntry = Type.Object({
  id: Type.String(),
  /** Unix seconds. */
  at: Type.Integer(),
  actor: AuditActor,
  action: Type.String({ description: '`<area>.<verb>`: settings.update, agents.sign_in_failed, …' }),
  target: Type.Object({ type: Type.String(), id: Type.String() }),
  ip: Type.Optional(Type.String()),
  changes: Type.Optional(Type.Record(Type.String(), AuditFieldChange)),
});
export type AuditEntry = Static<typeof AuditEntry>;

export function presentAuditEntry(row: AuditRow): AuditEntry {
  const actor: AuditEntry['actor'] = { kind: row.actorKind };
  if (row.actorId !== null) actor.id = row.actorId;
  if (row.actorName !== null) actor.name = row.actorName;
  const entry: AuditEntry = {
    id: row.id,
    at: row.at,
    actor,
    action: row.action,
    target: { type: row.targetType, id: row.targetId },
  };
  if (row.ip !== null) entry.ip = row.ip;
  if (row.changes !== null) entry.changes = decodeObject(row.changes) as AuditEntry['changes'];
  return entry;
}
