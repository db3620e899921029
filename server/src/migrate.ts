import type { Config } from './config/config.ts';
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
