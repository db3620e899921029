import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from './database.ts';

/**
 * The embedded store keeps the webhook tables in a file of their own, `webhooks.sqlite` beside
 * `switchboard.sqlite`: the webhook worker thread writes the delivery log there on its own
 * connection, and SQLite's one writer per file means its writes never wait for, nor hold up, the
 * request thread's (docs/scale-out.md, Roles). Both connections attach the other file, and table
 * names are unqualified everywhere, so every statement runs unchanged on either connection.
 *
 * The webhook registrations move with their deliveries: the dispatcher writes leases, `gen` and
 * `next_due` on them at every fan-out. What the split costs: no foreign key from the webhook tables
 * to `apps` (SQLite keeps foreign keys within one file; apps are never deleted).
 */
export const DELIVERY_FILE = 'webhooks.sqlite';
export const DELIVERY_SCHEMA = 'delivery';
/** Children first: dropping them in this order never cascades. */
export const DELIVERY_TABLES = [
  'webhook_attempts',
  'webhook_deliveries',
  'webhook_cursors',
  'webhooks',
] as const;

export const deliveryFilePath = (dataDir: string): string => join(dataDir, DELIVERY_FILE);

/** SQLite's DDL of a main-file table or index, re-aimed at the delivery file. */
function inDeliveryFile(ddl: string): string {
  return ddl
    .replace(
      /^create (unique )?(table|index) "?(\w+)"?/i,
      (_all, unique: string | undefined, what: string, name: string) =>
        `create ${unique ?? ''}${what} if not exists "${DELIVERY_SCHEMA}"."${name}"`,
    )
    .replace(/ references "?apps"? \("?id"?\) on delete cascade/gi, '');
}

/**
 * Moves the webhook tables out of `switchboard.sqlite` into the delivery file, once, without loss:
 * first the delivery file gets the tables and a copy of every row (committed), then the main file's
 * tables are dropped (committed). A crash between the two leaves the rows in both; the next start
 * copies again (`insert or ignore`: nothing twice) and drops. Runs after the migrations at every start
 * and does nothing once the tables are gone from the main file — also on a fresh data directory, where
 * the migrations have just made them (empty). Later migrations reach the moved tables through their
 * unqualified names (alter table, insert, update), except `create index`, which SQLite places in
 * `main` unless the index name says `delivery.`: a new index on these tables needs that on SQLite.
 */
export async function moveDeliveryTables(db: Db): Promise<number> {
  const { rows } = await sql<{ type: string; name: string; tblName: string; sql: string }>`
    select type, name, tbl_name, sql from main.sqlite_master
    where tbl_name in (${sql.join(DELIVERY_TABLES.map((t) => sql.lit(t)))}) and sql is not null
    order by case type when 'table' then 0 else 1 end`.execute(db);
  if (!rows.some((r) => r.type === 'table')) return 0;
  let moved = 0;
  await db.transaction().execute(async (tx) => {
    for (const row of rows) await sql.raw(inDeliveryFile(row.sql)).execute(tx);
    for (const table of [...DELIVERY_TABLES].reverse()) {
      if (!rows.some((r) => r.type === 'table' && r.name === table)) continue;
      const copied = await sql
        .raw(`insert or ignore into "${DELIVERY_SCHEMA}"."${table}" select * from main."${table}"`)
        .execute(tx);
      moved += Number(copied.numAffectedRows ?? 0n);
    }
  });
  await db.transaction().execute(async (tx) => {
    for (const table of DELIVERY_TABLES) {
      if (rows.some((r) => r.type === 'table' && r.name === table))
        await sql.raw(`drop table main."${table}"`).execute(tx);
    }
  });
  return moved;
}
