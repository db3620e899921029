import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CamelCasePlugin, Kysely, PostgresAdapter, PostgresDialect, sql, type Transaction } from 'kysely';
import { type Migration, type MigrationResultSet, Migrator } from 'kysely/migration';
import pg from 'pg';
import { DELIVERY_SCHEMA, deliveryFilePath, moveDeliveryTables } from './delivery-file.ts';
import { initial } from './migrations/001-initial.ts';
import { routing } from './migrations/002-routing.ts';
import { eventPositions } from './migrations/003-event-positions.ts';
import { webhooks } from './migrations/004-webhooks.ts';
import { realtime } from './migrations/005-realtime.ts';
import { routingIndexes } from './migrations/006-routing-indexes.ts';
import { leanOutbox } from './migrations/008-lean-outbox.ts';
import { webhookSpeed } from './migrations/009-webhook-speed.ts';
import { eventSequencer } from './migrations/010-event-sequencer.ts';
import { throttle } from './migrations/011-throttle.ts';
import { sessions } from './migrations/012-sessions.ts';
import { peopleRoles } from './migrations/013-people-roles.ts';
import { notes } from './migrations/014-notes.ts';
import { canned } from './migrations/015-canned.ts';
import { sso } from './migrations/016-sso.ts';
import { workTimetables } from './migrations/017-work-timetables.ts';
import { search } from './migrations/018-search.ts';
import { watchers } from './migrations/019-watchers.ts';
import { reports } from './migrations/020-reports.ts';
import { surveys } from './migrations/021-surveys.ts';
import { audit } from './migrations/022-audit.ts';
import { privacy } from './migrations/023-privacy.ts';
import { mediaChunks } from './migrations/024-media-chunks.ts';
import { NamedStatementClient } from './pg-named.ts';
import type { Database } from './schema.ts';
import { sqliteDialect } from './sqlite-driver.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface Store {
  db: Db;
  dialect: Dialect;
  /** Runs `work` in one transaction: all of its writes, events included, commit together or not at all. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir?: string;
  /** PostgreSQL schema to use (created if missing); tests use a fresh one per run. */
  schema?: string;
  /** SQLite file path override, e.g. `:memory:`. */
  sqlitePath?: string;
  /** SQLite: sync at each commit (`full`, survives power loss) or only at checkpoints (`normal`, the default). */
  sqliteSync?: 'normal' | 'full';
  /**
   * A data directory's webhook file is written by the webhook worker thread, which checkpoints it:
   * this connection need not (by default it does, for when it writes the file itself).
   */
  deliveryFileWriter?: 'here' | 'thread';
}

// PostgreSQL returns int8 as strings; our bigints are times and sequence numbers, well within 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': initial(dialect),
    '002-routing': routing(dialect),
    '003-event-positions': eventPositions(dialect),
    '004-webhooks': webhooks(dialect),
    '005-realtime': realtime(dialect),
    '006-routing-indexes': routingIndexes(dialect),
    '008-lean-outbox': leanOutbox(dialect),
    '009-webhook-speed': webhookSpeed(dialect),
    '010-event-sequencer': eventSequencer(dialect),
    '011-throttle': throttle(dialect),
    '012-sessions': sessions(dialect),
    '013-people-roles': peopleRoles(dialect),
    '014-notes': notes(dialect),
    '015-canned': canned(dialect),
    '016-sso': sso(dialect),
    '017-work-timetables': workTimetables(dialect),
    '018-search': search(dialect),
    '019-watchers': watchers(dialect),
    '020-reports': reports(dialect),
    '021-surveys': surveys(dialect),
    '022-audit': audit(dialect),
    '023-privacy': privacy(dialect),
    '024-media-chunks': mediaChunks(dialect),
  };
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'sqlite';
  let db: Db;
  let deliveryFile: string | undefined;
  if (dialect === 'postgres') {
    const schema = options.schema;
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      // Sends the hot statements as named (prepared) statements: see pg-named.ts.
      Client: NamedStatementClient,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    if (schema) await pool.query(`create schema if not exists ${schema}`);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  } else {
    let path = options.sqlitePath;
    if (!path) {
      const dir = options.dataDir ?? './data';
      mkdirSync(dir, { recursive: true });
      path = join(dir, 'switchboard.sqlite');
      // A data directory keeps the webhook tables in a file of their own (delivery-file.ts).
      deliveryFile = deliveryFilePath(dir);
    }
    db = new Kysely<Database>({
      dialect: sqliteDialect(path, options.sqliteSync ?? 'normal', {
        attach: deliveryFile ? { schema: DELIVERY_SCHEMA, path: deliveryFile } : undefined,
        checkpointAttached: options.deliveryFileWriter !== 'thread',
      }),
      plugins: [new CamelCasePlugin()],
    });
  }

  // Kysely looks its bookkeeping tables up in any schema unless told which: tell it ours.
  let migrationSchema: string | undefined;
  if (dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    migrationSchema = rows[0]?.schema ?? 'public';
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
    migrationTableName: 'switchboard_migrations',
    migrationLockTableName: 'switchboard_migrations_lock',
    // A store that missed one migration (features land side by side, each with its number) still
    // gets it: every migration is independent of those numbered after it.
    allowUnorderedMigrations: true,
    ...(migrationSchema ? { migrationTableSchema: migrationSchema } : {}),
  });
  const { error } = await migrateToLatest(migrator);
  if (error) {
    await db.destroy();
    throw error;
  }
  if (deliveryFile) await moveDeliveryTables(db);

  return {
    db,
    dialect,
    transaction: (work) => db.transaction().execute(work),
    close: () => db.destroy(),
  };
}

/**
 * Kysely finds its bookkeeping tables by listing the tables of every schema of the database; a schema
 * that another client drops during that listing fails it with 3F000 (seen with test schemas coming and
 * going beside a starting node). Ours was created above, so the listing is simply tried again.
 */
async function migrateToLatest(migrator: Migrator): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await migrator.migrateToLatest();
      if (!(result.error && schemaGone(result.error) && attempt < 3)) return result;
    } catch (error) {
      if (!(schemaGone(error) && attempt < 3)) throw error;
    }
  }
}

const schemaGone = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '3F000';

/**
 * The webhook worker thread's store (embedded `all`): the delivery file as its main database, the
 * data directory's store attached for reading events and apps. No migrations: the main thread ran
 * them (and moved the tables) before starting the thread.
 */
export function openDeliveryStore(options: { dataDir: string; sqliteSync: 'normal' | 'full' }): Store {
  const db = new Kysely<Database>({
    dialect: sqliteDialect(deliveryFilePath(options.dataDir), options.sqliteSync, {
      attach: { schema: 'core', path: join(options.dataDir, 'switchboard.sqlite') },
      own: false,
      checkpointAttached: false,
    }),
    plugins: [new CamelCasePlugin()],
  });
  return {
    db,
    dialect: 'sqlite',
    transaction: (work) => db.transaction().execute(work),
    close: () => db.destroy(),
  };
}

/** True when `error` is a unique-constraint violation, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as Error & { code?: unknown };
  return code === '23505' || /UNIQUE constraint failed/.test(error.message);
}

/** Whether a query builder talks to PostgreSQL (for the few statements only it has, like row locks). */
export function onPostgres(db: Db | Tx): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
