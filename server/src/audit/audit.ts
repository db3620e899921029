import type { Db, Tx } from '../store/database.ts';
import type { AuditEntriesTable } from '../store/schema.ts';
import { newId } from '../util/ids.ts';
import { nowSeconds } from '../util/time.ts';

/**
 * The audit log (docs/security.md, "Audit log"): who changed what, when and from where. A change
 * records its entry with `recordAudit(tx, …)` inside the transaction that makes the change, so an
 * entry exists exactly when the change was committed. Sign-in failures change nothing and are
 * recorded on their own (`db` instead of a transaction).
 */

export type AuditActorKind = 'secret' | 'agent' | 'admin-key' | 'system';

/** Who acted: the app secret, an agent (an admin person, or an agent changing itself), the admin key, the server. */
export interface AuditActor {
  kind: AuditActorKind;
  id?: string;
  name?: string;
}

/** Who acted and from which client address (absent for the server's own work and socket requests). */
export interface AuditBy {
  actor: AuditActor;
  ip?: string | undefined;
}

/** The server's own changes, named by what made them: `sso` (a provider's role, autoCreate), `first start`. */
export const systemBy = (name: string): AuditBy => ({ actor: { kind: 'system', name } });

/** One changed field: its value before and after (absent when the field did not exist). */
export interface FieldChange {
  before?: unknown;
  after?: unknown;
}
/** Changed fields by dotted path (`assign.timeout`, `sso.clientSecret`). */
export type Changes = Record<string, FieldChange>;

export interface AuditEntryInput {
  appId: string;
  by: AuditBy;
  /** `<area>.<verb>` (docs/security.md lists them): `settings.update`, `agents.sign_in_failed`, … */
  action: string;
  target: { type: string; id: string };
  changes?: Changes | undefined;
}

/** What stands in for a secret's, password's or token's value: the fact it changed, never the value. */
export const REDACTED = '[redacted]';

/** Field names whose values are never written: secrets, passwords, tokens, keys, their hashes. */
const SENSITIVE = /secret|password|token|hash|apikey|domainkey$/i;

export const isSensitive = (field: string): boolean => SENSITIVE.test(field);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value with every sensitive field inside it (at any depth) replaced by REDACTED. */
export function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = isSensitive(key) ? REDACTED : scrub(inner);
  return out;
}

/**
 * The fields that differ between two values, by dotted path, down to the leaves of plain objects
 * (arrays are compared whole). Sensitive fields show REDACTED on the side where they have a value.
 * Undefined when nothing differs.
 */
export function changesBetween(before: unknown, after: unknown): Changes | undefined {
  const changes: Changes = {};
  walk(before, after, '', false, changes);
  return Object.keys(changes).length > 0 ? changes : undefined;
}

function walk(before: unknown, after: unknown, path: string, sensitive: boolean, out: Changes): void {
  const beforeObject = isPlainObject(before) || (before === undefined && isPlainObject(after));
  const afterObject = isPlainObject(after) || (after === undefined && isPlainObject(before));
  if (beforeObject && afterObject && !sensitive) {
    const b = (before ?? {}) as Record<string, unknown>;
    const a = (after ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(b), ...Object.keys(a)]))
      walk(b[key], a[key], path ? `${path}.${key}` : key, isSensitive(key), out);
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const change: FieldChange = {};
  if (before !== undefined) change.before = sensitive ? REDACTED : scrub(before);
  if (after !== undefined) change.after = sensitive ? REDACTED : scrub(after);
  out[path] = change;
}

/** Records one entry in `tx`, the transaction of the change (or the store, for a refused sign-in). */
export async function recordAudit(tx: Tx | Db, entry: AuditEntryInput): Promise<void> {
  const { actor, ip } = entry.by;
  const row: AuditEntriesTable = {
    id: newId(),
    appId: entry.appId,
    at: nowSeconds(),
    actorKind: actor.kind,
    actorId: actor.id ?? null,
    actorName: actor.name ?? null,
    action: entry.action,
    targetType: entry.target.type,
    targetId: entry.target.id,
    ip: ip ?? null,
    changes: entry.changes ? JSON.stringify(entry.changes) : null,
  };
  await tx.insertInto('auditEntries').values(row).execute();
}
