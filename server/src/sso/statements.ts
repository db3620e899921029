import type { Db } from '../store/database.ts';
import type { SsoHandoffsTable, SsoLoginsTable } from '../store/schema.ts';
import { nowSeconds } from '../util/time.ts';

export async function insertLogin(db: Db, row: SsoLoginsTable): Promise<void> {
  await db.insertInto('ssoLogins').values(row).execute();
}

/** Deletes and returns a live pending login: one statement, so two callbacks cannot both take it. */
export async function takeLogin(db: Db, key: string): Promise<SsoLoginsTable | undefined> {
  const row = await db.deleteFrom('ssoLogins').where('key', '=', key).returningAll().executeTakeFirst();
  return row && row.expires > nowSeconds() ? row : undefined;
}

export async function insertHandoff(db: Db, row: SsoHandoffsTable): Promise<void> {
  await db.insertInto('ssoHandoffs').values(row).execute();
}

/** Deletes and returns a live handoff of this app (used once, like a login). */
export async function takeHandoff(db: Db, appId: string, key: string): Promise<SsoHandoffsTable | undefined> {
  const row = await db
    .deleteFrom('ssoHandoffs')
    .where('key', '=', key)
    .where('appId', '=', appId)
    .returningAll()
    .executeTakeFirst();
  return row && row.expires > nowSeconds() ? row : undefined;
}

/** Logins abandoned at the provider and handoffs never collected. */
export async function deleteExpired(db: Db): Promise<void> {
  const now = nowSeconds();
  await db.deleteFrom('ssoLogins').where('expires', '<=', now).execute();
  await db.deleteFrom('ssoHandoffs').where('expires', '<=', now).execute();
}
