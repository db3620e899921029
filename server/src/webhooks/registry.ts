import type { Agent } from 'undici';
import type { App } from '../apps/apps.ts';
import { isTrigger, TRIGGERS, type Trigger } from '../events/catalog.ts';
import { checkAppCap } from '../limits/caps.ts';
import type { Store, Tx } from '../store/database.ts';
import { onPostgres } from '../store/database.ts';
import { decodeStrings } from '../store/json.ts';
import type { WebhookRow } from '../store/schema.ts';
import { badRequest, invalidField, notFound } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { nowSeconds } from '../util/time.ts';
import { newWebhookSecret } from './signing.ts';
import { postOnce } from './transport.ts';

/** The Webhook object (docs/api.md). The secret is never part of it. */
/** The old secret keeps signing beside the new one this long after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

/** The secrets that sign right now: the current one, and during a rotation the previous one. */
export function signingSecrets(row: WebhookRow, now = Date.now()): string[] {
  const secrets = [row.secret];
  if (row.previousSecret && (row.previousSecretExpires ?? 0) > now) secrets.push(row.previousSecret);
  return secrets;
}

export function subscribes(row: WebhookRow, trigger: string): boolean {
  return decodeStrings(row.events).includes(trigger);
}

/** `http`/`https` URLs only, without credentials in them (docs/webhooks.md). */
export function checkTarget(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw invalidField('target', 'must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidField('target', 'must be an http or https URL');
  }
  if (url.username || url.password) throw invalidField('target', 'must not carry a user name or password');
  if (!url.hostname) throw invalidField('target', 'must name a host');
  return url.href;
}

/** Only the triggers of docs/webhooks.md; anything else is a 400 that lists the allowed ones. */
export function checkTriggers(events: readonly string[]): Trigger[] {
  const unknown = events.filter((e) => !isTrigger(e));
  if (unknown.length > 0) {
    throw badRequest(
      `Unknown trigger${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; allowed: ${TRIGGERS.join(', ')}`,
      unknown.map((name) => ({
        field: `events.${events.indexOf(name)}`,
        message: `must be one of ${TRIGGERS.join(', ')}`,
      })),
    );
  }
  return [...new Set(events)] as Trigger[];
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/**
 * The handshake (docs/webhooks.md): POST `{}` with the secret in `X-Hook-Secret`; the target must
 * answer 2xx echoing it. Any other outcome is a 400 saying what came back.
 */
export async function handshake(
  agent: Agent,
  target: string,
  secret: string,
  timeoutMs: number,
): Promise<void> {
  const result = await postOnce(
    agent,
    target,
    Buffer.from('{}'),
    { 'content-type': 'application/json', 'x-hook-secret': secret },
    timeoutMs,
  );
  const fail = (what: string) => {
    throw badRequest(`Webhook handshake with ${target} failed: ${what}`, [
      { field: 'target', message: `handshake failed: ${what}` },
    ]);
  };
  if (result.status === null) fail(result.error ?? 'no answer');
  const status = result.status!;
  if (status < 200 || status > 299) {
    const body = snippet(result.response);
    fail(`the target answered ${status}${body ? ` (${body})` : ''} instead of 2xx`);
  }
  const echoed = result.headers['x-hook-secret'];
  if (echoed === undefined) fail(`the target answered ${status} without echoing the X-Hook-Secret header`);
  if (echoed !== secret) fail(`the target answered ${status} but echoed a different X-Hook-Secret value`);
}

export async function findWebhook(store: Store | Tx, appId: string, id: string): Promise<WebhookRow> {
  const db = 'db' in store ? store.db : store;
  const row = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('appId', '=', appId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Webhook not found');
  return row;
}

/** One page of an app's webhooks in registration order (ids are time-sortable). */
export async function listWebhooks(
  store: Store,
  appId: string,
  query: PageQuery = {},
): Promise<{ items: WebhookRow[]; next: string | null }> {
  const limit = limitOf(query);
  const after = decodeCursor(query.cursor);
  let q = store.db.selectFrom('webhooks').selectAll().where('appId', '=', appId);
  if (after !== undefined) q = q.where('id', '>', after);
  const rows = await q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return page(rows, limit);
}

export interface RegistryDeps {
  store: Store;
  agent: Agent;
  timeoutMs: number;
  /** Tells the dispatcher that deliveries of this webhook may be due now. */
  wake(webhookId: string): void;
  /** Webhooks one app may have (SWITCHBOARD_MAX_WEBHOOKS). */
  maxWebhooks: number;
}

export interface NewWebhookInput {
  target: string;
  events: string[];
  rateLimit?: number | undefined;
}

export async function createWebhook(
  deps: RegistryDeps,
  app: App,
  input: NewWebhookInput,
): Promise<{ webhook: WebhookRow; secret: string }> {
  const target = checkTarget(input.target);
  const events = checkTriggers(input.events);
  const secret = newWebhookSecret();
  // Once before the handshake (a full app dials nobody), once more where it counts: in the insert.
  await deps.store.transaction((tx) => checkAppCap(tx, app.id, 'webhooks', deps.maxWebhooks));
  await handshake(deps.agent, target, secret, deps.timeoutMs);
  const webhook = await deps.store.transaction(async (tx) => {
    await checkAppCap(tx, app.id, 'webhooks', deps.maxWebhooks);
    const { eventPosition } = await tx
      .selectFrom('apps')
      .select('eventPosition')
      .where('id', '=', app.id)
      .executeTakeFirstOrThrow();
    const row = {
      id: newId(),
      appId: app.id,
      target,
      events: JSON.stringify(events),
      active: 1,
      disabledReason: null,
      rateLimit: input.rateLimit ? input.rateLimit : null,
      secret,
      previousSecret: null,
      previousSecretExpires: null,
      fromPosition: Number(eventPosition),
      failingSince: null,
      assignFailedAt: null,
      nextDue: null,
      leaseOwner: null,
      leaseUntil: null,
      created: nowSeconds(),
    };
    await tx.insertInto('webhooks').values(row).execute();
    // The dispatcher reads the outbox of apps with a cursor; start at the app's current position.
    await tx
      .insertInto('webhookCursors')
      .values({ appId: app.id, position: Number(eventPosition) })
      .onConflict((oc) => oc.column('appId').doNothing())
      .execute();
    return tx.selectFrom('webhooks').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  });
  return { webhook, secret };
}

export interface WebhookUpdate {
  target?: string | undefined;
  events?: string[] | undefined;
  active?: boolean | undefined;
  rateLimit?: number | undefined;
}

/** Locks the webhook row until commit (PostgreSQL): the dispatcher's lane bookkeeping waits meanwhile. */
export async function lockWebhook(tx: Tx, appId: string, id: string): Promise<WebhookRow> {
  let query = tx.selectFrom('webhooks').selectAll().where('appId', '=', appId).where('id', '=', id);
  if (onPostgres(tx)) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Webhook not found');
  return row;
}

export async function updateWebhook(
  deps: RegistryDeps,
  app: App,
  id: string,
  input: WebhookUpdate,
): Promise<WebhookRow> {
  const current = await findWebhook(deps.store, app.id, id);
  const target = input.target !== undefined ? checkTarget(input.target) : undefined;
  const events = input.events !== undefined ? checkTriggers(input.events) : undefined;
  // A new target must prove it wants these deliveries, with the secret it will be signed with.
  if (target !== undefined && target !== current.target) {
    await handshake(deps.agent, target, current.secret, deps.timeoutMs);
  }
  const updated = await deps.store.transaction(async (tx) => {
    await lockWebhook(tx, app.id, id);
    const set: Record<string, unknown> = {};
    if (target !== undefined) set.target = target;
    if (events !== undefined) set.events = JSON.stringify(events);
    if (input.rateLimit !== undefined) set.rateLimit = input.rateLimit > 0 ? input.rateLimit : null;
    if (input.active === true) {
      // Re-enabling resumes what is pending, with a fresh five-day clock and a fresh assign record.
      Object.assign(set, {
        active: 1,
        disabledReason: null,
        failingSince: null,
        assignFailures: 0,
        assignFailedAt: null,
        nextDue: Date.now(),
      });
    } else if (input.active === false) {
      Object.assign(set, { active: 0, disabledReason: null });
    }
    if (Object.keys(set).length > 0) {
      await tx
        .updateTable('webhooks')
        .set({ ...set, gen: (eb) => eb('gen', '+', 1) })
        .where('id', '=', id)
        .execute();
    }
    return tx.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  });
  if (updated.active === 1) deps.wake(id);
  return updated;
}

export async function deleteWebhook(deps: RegistryDeps, app: App, id: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    await lockWebhook(tx, app.id, id);
    await tx.deleteFrom('webhookAttempts').where('webhookId', '=', id).execute();
    await tx.deleteFrom('webhookDeliveries').where('webhookId', '=', id).execute();
    await tx.deleteFrom('webhooks').where('id', '=', id).execute();
  });
}

/** A new secret; the previous one keeps signing beside it for 24 h (docs/webhooks.md, ext). */
export async function rotateSecret(deps: RegistryDeps, app: App, id: string): Promise<string> {
  const secret = newWebhookSecret();
  await deps.store.transaction(async (tx) => {
    const current = await lockWebhook(tx, app.id, id);
    await tx
      .updateTable('webhooks')
      .set({
        secret,
        previousSecret: current.secret,
        previousSecretExpires: Date.now() + ROTATION_OVERLAP_MS,
      })
      .where('id', '=', id)
      .execute();
  });
  return secret;
}
