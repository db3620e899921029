import { type AuditBy, changesBetween, REDACTED, recordAudit } from '../audit/audit.ts';
import type { Store } from '../store/database.ts';
import { decodeStrings } from '../store/json.ts';
import type { WebhookRow } from '../store/schema.ts';

/** What the audit log shows of a webhook: its registration, never its secret. */
function auditView(row: WebhookRow): Record<string, unknown> {
  return {
    target: row.target,
    events: decodeStrings(row.events),
    active: row.active === 1,
    rateLimit: row.rateLimit,
  };
}

export type WebhookAction = 'webhooks.create' | 'webhooks.update' | 'webhooks.delete' | 'webhooks.rotate';

/**
 * The entry of a webhook change. Webhook registrations live with the delivery log, which the embedded
 * store keeps in its own file written by the webhook worker thread alone; so this entry is written by
 * the request's thread once the change has committed, not in its transaction (docs/decisions.md,
 * "Audit entries of webhook changes"). A change that failed has no entry.
 */
export async function auditWebhook(
  store: Store,
  by: AuditBy,
  action: WebhookAction,
  before: WebhookRow | undefined,
  after: WebhookRow | undefined,
): Promise<void> {
  const row = (after ?? before)!;
  const changes =
    action === 'webhooks.rotate'
      ? { secret: { before: REDACTED, after: REDACTED } }
      : changesBetween(before && auditView(before), after && auditView(after));
  if (action === 'webhooks.create' && changes) changes.secret = { after: REDACTED };
  if (!changes) return;
  await recordAudit(store.db, {
    appId: row.appId,
    by,
    action,
    target: { type: 'webhook', id: row.id },
    changes,
  });
}
