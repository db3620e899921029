import { randomBytes } from 'node:crypto';
import { type AuditBy, changesBetween, REDACTED, recordAudit } from '../audit/audit.ts';
import type { Db, Store } from '../store/database.ts';
import { decodeStrings } from '../store/json.ts';
import { prepare } from '../store/prepared.ts';
import type { AppRow } from '../store/schema.ts';
import { invalidField, notFound } from '../util/errors.ts';
import { decodeCursor, limitOf, type PageQuery, page } from '../util/pagination.ts';
import { digest, matchesDigest, randomToken } from '../util/secrets.ts';
import { nowSeconds } from '../util/time.ts';
import { defaultSettings, parseStoredSettings, type Settings } from './settings.ts';

/** An app as the rest of the server uses it: parsed, with its settings. */
export interface App {
  id: string;
  name: string;
  domains: string[];
  settings: Settings;
  secretHash: string;
  /** The secret rotated away from, while its grace lasts (`until`: ms); see `secretOpens`. */
  previousSecret: { hash: string; until: number } | null;
  domainKeyHash: string;
  created: number;
}

/**
 * Parsed settings by their stored text: every request reads its app, and parsing plus merging over the
 * defaults is measurable. Keyed by content, so a cached value can never be stale; frozen, so no caller
 * can change another request's settings.
 */
const parsedSettings = new Map<string, Settings>();
function settingsOf(json: string): Settings {
  let settings = parsedSettings.get(json);
  if (!settings) {
    settings = deepFreeze(parseStoredSettings(json));
    if (parsedSettings.size >= 1000) parsedSettings.clear();
    parsedSettings.set(json, settings);
  }
  return settings;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The app from its columns (the event position is the outbox's, not part of an App). */
export function toApp(row: Omit<AppRow, 'eventPosition'>): App {
  return {
    id: row.id,
    name: row.name,
    domains: decodeStrings(row.domains),
    settings: settingsOf(row.settings),
    secretHash: row.secretHash,
    previousSecret:
      row.previousSecretHash && row.previousSecretUntil !== null
        ? { hash: row.previousSecretHash, until: row.previousSecretUntil }
        : null,
    domainKeyHash: row.domainKeyHash,
    created: row.created,
  };
}

/**
 * Whether `secret` opens the app: its current secret, or the one it rotated away from until that one's
 * grace ends (docs/security.md, "App secret rotation"). Both compared in constant time.
 */
export function secretOpens(app: App, secret: string, nowMs = Date.now()): boolean {
  const current = matchesDigest(secret, app.secretHash);
  const previous = app.previousSecret !== null && matchesDigest(secret, app.previousSecret.hash);
  return current || (previous && nowMs < app.previousSecret!.until);
}

/** App ids are short random strings (docs/conventions.md). */
function newAppId(): string {
  return randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
}

/**
 * Whether a string can be an app id at all. Anything else is unknown without asking the store: an id
 * arrives from headers, query strings and paths, and PostgreSQL refuses text with a NUL byte (a 500).
 */
export function isAppIdShape(id: string): boolean {
  return /^[0-9A-Za-z_-]{1,64}$/.test(id);
}

/** Names and domains are stored as text; PostgreSQL cannot hold a NUL byte in text, so it is a bad field. */
function checkText(field: string, value: string | undefined): void {
  if (value?.includes('\u0000')) throw invalidField(field, 'must not contain NUL characters');
}

function checkAppInput(input: { name?: string; domains?: string[] }): void {
  checkText('name', input.name);
  for (const [i, domain] of (input.domains ?? []).entries()) checkText(`domains.${i}`, domain);
}

const appRow = prepare<{ id: string }, AppRow>((db, arg) =>
  db.selectFrom('apps').selectAll().where('id', '=', arg('id')),
);

export async function findApp(db: Db, id: string): Promise<App | undefined> {
  if (!isAppIdShape(id)) return undefined;
  const row = await appRow.first(db, { id });
  return row ? toApp(row) : undefined;
}

export async function getApp(db: Db, id: string): Promise<App> {
  const app = await findApp(db, id);
  if (!app) throw notFound('App not found');
  return app;
}

/** GET /apps — one page of apps, by id. */
/** The oldest app of that name (ids are time-ordered), e.g. the Demo app made on first start. */
export async function oldestAppNamed(db: Db, name: string): Promise<App | undefined> {
  const row = await db
    .selectFrom('apps')
    .selectAll()
    .where('name', '=', name)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row ? toApp(row) : undefined;
}

export async function listApps(db: Db, query: PageQuery = {}): Promise<{ apps: App[]; next: string | null }> {
  const limit = limitOf(query);
  const after = decodeCursor(query.cursor);
  let q = db.selectFrom('apps').selectAll();
  if (after !== undefined) q = q.where('id', '>', after);
  const rows = await q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  const { items, next } = page(rows, limit);
  return { apps: items.map(toApp), next };
}

export async function countApps(db: Db): Promise<number> {
  const row = await db
    .selectFrom('apps')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface NewAppCredentials {
  app: App;
  secret: string;
  domainKey: string;
}

export async function createApp(
  store: Store,
  input: { name: string; domains?: string[] },
  by: AuditBy,
): Promise<NewAppCredentials> {
  checkAppInput(input);
  const secret = `sk_${randomToken(32)}`;
  const domainKey = `pk_${randomToken(24)}`;
  const row: AppRow = {
    id: newAppId(),
    name: input.name,
    domains: JSON.stringify(input.domains ?? []),
    secretHash: digest(secret),
    domainKeyHash: digest(domainKey),
    previousSecretHash: null,
    previousSecretUntil: null,
    settings: JSON.stringify(defaultSettings()),
    eventPosition: 0,
    created: nowSeconds(),
  };
  await store.transaction(async (tx) => {
    await tx.insertInto('apps').values(row).execute();
    await recordAudit(tx, {
      appId: row.id,
      by,
      action: 'apps.create',
      target: { type: 'app', id: row.id },
      changes: changesBetween(undefined, { name: input.name, domains: input.domains ?? [] }),
    });
  });
  return { app: toApp(row), secret, domainKey };
}

export async function updateApp(
  store: Store,
  id: string,
  input: { name?: string; domains?: string[] },
  by: AuditBy,
): Promise<App> {
  if (!isAppIdShape(id)) throw notFound('App not found');
  checkAppInput(input);
  const changes: Partial<AppRow> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.domains !== undefined) changes.domains = JSON.stringify(input.domains);
  if (Object.keys(changes).length > 0) {
    await store.transaction(async (tx) => {
      const before = await tx
        .selectFrom('apps')
        .select(['name', 'domains'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!before) throw notFound('App not found');
      await tx.updateTable('apps').set(changes).where('id', '=', id).execute();
      const was = { name: before.name, domains: decodeStrings(before.domains) };
      const diff = changesBetween(was, { ...was, ...input });
      if (diff)
        await recordAudit(tx, {
          appId: id,
          by,
          action: 'apps.update',
          target: { type: 'app', id },
          changes: diff,
        });
    });
  }
  return getApp(store.db, id);
}

/** PUT /settings: the merged settings, and the audit entry of what changed (none when nothing did). */
export async function saveSettings(store: Store, app: App, settings: Settings, by: AuditBy): Promise<void> {
  const changes = changesBetween(app.settings, settings);
  if (!changes) return;
  await store.transaction(async (tx) => {
    await tx
      .updateTable('apps')
      .set({ settings: JSON.stringify(settings) })
      .where('id', '=', app.id)
      .execute();
    await recordAudit(tx, {
      appId: app.id,
      by,
      action: 'settings.update',
      target: { type: 'settings', id: app.id },
      changes,
    });
  });
}

/** Origin check for browser credentials: an app's `domains` entry is a host, `*.host`, or a full origin. */
export function originAllowed(domains: string[], origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  return domains.some((entry) => {
    const domain = entry.trim().toLowerCase();
    if (domain.includes('://')) return domain.replace(/\/+$/, '') === url.origin.toLowerCase();
    const bare = domain.replace(/:\d+$/, '');
    if (bare.startsWith('*.')) return host.endsWith(bare.slice(1));
    return host === bare;
  });
}

/** The longest grace an old secret may get: a day (docs/security.md, "App secret rotation"). */
export const MAX_SECRET_GRACE_SECONDS = 86_400;

/**
 * POST /apps/{appId}/rotate — a new secret; the current one keeps opening the app for `graceSeconds`
 * (0: stops at once). Only the secret just replaced gets a grace: rotating again during one ends it,
 * so at most two secrets ever open an app.
 */
export async function rotateAppSecret(
  store: Store,
  id: string,
  graceSeconds: number,
  by: AuditBy,
): Promise<string> {
  if (!isAppIdShape(id)) throw notFound('App not found');
  const secret = `sk_${randomToken(32)}`;
  const graced = graceSeconds > 0;
  await store.transaction(async (tx) => {
    const row = await tx.selectFrom('apps').select('secretHash').where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('App not found');
    await tx
      .updateTable('apps')
      .set({
        secretHash: digest(secret),
        previousSecretHash: graced ? row.secretHash : null,
        previousSecretUntil: graced ? Date.now() + graceSeconds * 1000 : null,
      })
      .where('id', '=', id)
      .execute();
    // The fact and the grace, never a secret (docs/security.md, "Audit log").
    await recordAudit(tx, {
      appId: id,
      by,
      action: 'apps.rotate',
      target: { type: 'app', id },
      changes: { secret: { before: REDACTED, after: REDACTED }, graceSeconds: { after: graceSeconds } },
    });
  });
  return secret;
}
