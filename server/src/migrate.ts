import type { Config } from './config/config.ts';
import { rebuildReports } from './reports/project.ts';
import { type Dialect, openStore } from './store/database.ts';

/**
 * `switchboard migrate`: brings the configured store's schema up to date and exits. Opening the store
 * runs the migrations (under Kysely's migration lock, so a node starting meanwhile waits), which is
 * also what every start does; this lets an operator do it ahead of a rolling deploy.
 */
export async function migrateStore(config: Config): Promise<{ dialect: Dialect }> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSync: config.sqliteSync,
  });
  const { dialect } = store;
  await store.close();
  return { dialect };
}

/**
 * `switchboard rebuild-reports`: drops the report projection and folds every app's whole event log
 * again (docs/reports.md, "Rebuilding"). Safe beside running nodes: their loop and report requests
 * wait on each app's checkpoint row while it is rebuilt.
 */
export async function rebuildReportsOf(config: Config, appId?: string): Promise<{ dialect: Dialect }> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSync: config.sqliteSync,
  });
  try {
    await rebuildReports(store, appId);
  } finally {
    await store.close();
  }
  return { dialect: store.dialect };
}
