import type { AuditEntry } from '../src/lib/sdk.ts';

/**
 * How the Audit tab words an entry (docs/security.md, "Audit log" lists the actions): who, what, and
 * a readable line per changed field. Pure functions of the entry.
 */

/** Every action the server records, with what the tab calls it; the Action filter offers these. */
export const ACTIONS = [
  ['settings.update', 'Settings changed'],
  ['timetable.update', 'Opening hours changed'],
  ['agents.create', 'Agent created'],
  ['agents.update', 'Agent changed'],
  ['agents.delete', 'Agent deleted'],
  ['agents.sign_in', 'Signed in'],
  ['agents.sign_in_failed', 'Sign-in failed'],
  ['agents.sso_sign_in', 'Signed in with SSO'],
  ['agents.sso_sign_in_failed', 'SSO sign-in failed'],
  ['webhooks.create', 'Webhook added'],
  ['webhooks.update', 'Webhook changed'],
  ['webhooks.delete', 'Webhook deleted'],
  ['webhooks.rotate', 'Webhook secret rotated'],
  ['canned.create', 'Canned response added'],
  ['canned.update', 'Canned response changed'],
  ['canned.delete', 'Canned response deleted'],
  ['apps.create', 'App created'],
  ['apps.update', 'App changed'],
  ['apps.rotate', 'App secret rotated'],
  ['users.erase', 'Visitor erased'],
  ['users.export', 'Visitor exported'],
] as const;

/** The actor kinds, as the Actor filter offers them. */
export const ACTOR_KINDS = [
  ['secret', 'App secret'],
  ['admin-key', 'Admin key'],
  ['system', 'Server'],
  ['agent', 'Any agent'],
] as const;

export function describeAction(action: string): string {
  return ACTIONS.find(([name]) => name === action)?.[1] ?? action;
}

export function describeActor(actor: AuditEntry['actor']): string {
  if (actor.kind === 'agent') return actor.name ?? (actor.id ? `Agent ${actor.id}` : 'Unknown agent');
  const kind = ACTOR_KINDS.find(([k]) => k === actor.kind)?.[1] ?? actor.kind;
  return actor.name ? `${kind} (${actor.name})` : kind;
}

const WHOLE_APP: Record<string, string> = {
  settings: 'Settings',
  timetable: 'Opening hours',
  app: 'The app',
};
const KIND_NAMES: Record<string, string> = { agent: 'Agent', webhook: 'Webhook', canned: 'Canned response' };

/** What was changed: the app's settings, hours or itself, or one object — an agent by its name when known. */
export function describeTarget(
  target: AuditEntry['target'],
  nameOf: (id: string) => string | undefined,
): string {
  const whole = WHOLE_APP[target.type];
  if (whole) return whole;
  if (target.type === 'agent' && target.id === 'unknown') return 'An unknown contact';
  const kind = KIND_NAMES[target.type] ?? target.type;
  const name = target.type === 'agent' ? nameOf(target.id) : undefined;
  return name ? `${kind} ${name}` : `${kind} ${target.id}`;
}

const REDACTED = '[redacted]';

function show(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null))
    return value.length === 0 ? 'none' : value.join(', ');
  return JSON.stringify(value);
}

/** One line per changed field: `field: before → after`; a secret's or password's value never shown. */
export function describeChanges(changes: AuditEntry['changes']): string[] {
  if (!changes) return [];
  return Object.entries(changes).map(([field, change]) => {
    const { before, after } = change as { before?: unknown; after?: unknown };
    if (before === REDACTED || after === REDACTED)
      return `${field}: ${before === undefined ? 'set' : 'changed'} (hidden)`;
    if (before === undefined) return `${field}: ${show(after)}`;
    if (after === undefined) return `${field}: was ${show(before)}`;
    return `${field}: ${show(before)} → ${show(after)}`;
  });
}

/** The start (00:00) or end (23:59:59) of a local day typed as YYYY-MM-DD, in Unix seconds. */
export function dayBound(day: string, end: boolean): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const at = end ? new Date(y, m - 1, d, 23, 59, 59) : new Date(y, m - 1, d, 0, 0, 0);
  return Math.floor(at.getTime() / 1000);
}
