/**
 * The public entry of `@switchboard/server` (its package.json `exports`): what the CLI, the SDK's
 * generator and anyone embedding a node use, instead of reaching into the source tree.
 *
 * Configuration and signing are light and exported as they are. Building a node loads the whole
 * server (HTTP, the stores' drivers): those functions import it on their first call, so a program
 * that only reads the configuration (`switchboard apps list`) does not pay for it.
 */
import type { Config } from './config/config.ts';
import type { BuildOptions, FirstStart, Switchboard } from './server.ts';
import type { StartedServer, StartOptions } from './start.ts';
import type { Dialect } from './store/database.ts';

export type { Config, LogLevel, Role } from './config/config.ts';
export { ConfigError, loadConfig, SETTINGS } from './config/config.ts';
export { loggerOptions } from './config/logging.ts';
export type { BuildOptions, FirstStart, Switchboard } from './server.ts';
export type { StartedServer, StartOptions } from './start.ts';
export type { Dialect } from './store/database.ts';
export { signDelivery } from './webhooks/signing.ts';

/** Builds a node (store, bus, HTTP, sockets, workers) without listening: `listen()` and `close()` are on it. */
export async function buildServer(options: BuildOptions): Promise<Switchboard & { firstStart: FirstStart }> {
  const { buildSwitchboard } = await import('./server.ts');
  return buildSwitchboard(options);
}

/** What `npm start` does: builds a node, listens, prints its URLs (and a first start's demo), stops on a signal. */
export async function startServer(config: Config, options?: StartOptions): Promise<StartedServer> {
  const { startServer: start } = await import('./start.ts');
  return start(config, options);
}

/** Brings the configured store's schema up to date and closes it (`switchboard migrate`). */
export async function migrate(config: Config): Promise<{ dialect: Dialect }> {
  const { migrateStore } = await import('./migrate.ts');
  return migrateStore(config);
}

/** Rebuilds the report projection from the event log (`switchboard rebuild-reports`, docs/reports.md). */
export async function rebuildReports(config: Config, appId?: string): Promise<{ dialect: Dialect }> {
  const { rebuildReportsOf } = await import('./migrate.ts');
  return rebuildReportsOf(config, appId);
}
