import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import { createApp, listApps } from './apps/apps.ts';
import { type Bus, createMemoryBus } from './bus/bus.ts';
import type { Config } from './config.ts';
import type { Ctx } from './context.ts';
import { buildHttp } from './http/build.ts';
import type { Http } from './http/types.ts';
import { openStore, type Store, type StoreOptions } from './store/database.ts';
import { randomToken } from './util/secrets.ts';

export const VERSION = '0.1.0';

export interface Switchboard {
  http: Http;
  store: Store;
  bus: Bus;
  ctx: Ctx;
  adminKey: string;
  /** Starts listening; resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then closes the bus and the store. */
  close(): Promise<void>;
}

export interface FirstStart {
  adminKeyGenerated: boolean;
  demo?: { appId: string; secret: string; domainKey: string };
}

/** The admin key: from configuration, or generated once and kept in the data directory. */
function resolveAdminKey(config: Config): { key: string; generated: boolean } {
  if (config.adminKey) return { key: config.adminKey, generated: false };
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, 'admin-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false };
  const key = `adm_${randomToken(32)}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}

export interface BuildOptions {
  config: Config;
  logger?: FastifyServerOptions['logger'];
  /** Store overrides for tests (a PostgreSQL schema, an in-memory SQLite). */
  store?: Partial<StoreOptions>;
}

/** The composition root: store, bus, commands and HTTP, wired once. */
export async function buildSwitchboard(
  options: BuildOptions,
): Promise<Switchboard & { firstStart: FirstStart }> {
  const { config } = options;
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    ...options.store,
  });
  const logger = options.logger ?? { level: config.logLevel };
  const admin = resolveAdminKey(config);
  let bus: Bus | undefined;
  const http = await buildHttp({
    ctx: {
      store,
      get bus(): Bus {
        return bus!;
      },
    },
    adminKey: admin.key,
    version: VERSION,
    logger,
  });
  bus = createMemoryBus((error) => http.log.error({ err: error }, 'event subscriber failed'));
  const ctx: Ctx = { store, bus };

  // A first start of an empty store gets a demo app, so a newcomer can try the API at once.
  const firstStart: FirstStart = { adminKeyGenerated: admin.generated };
  if ((await listApps(store.db)).length === 0) {
    const demo = await createApp(store, { name: 'Demo' });
    firstStart.demo = { appId: demo.app.id, secret: demo.secret, domainKey: demo.domainKey };
  }

  let closing: Promise<void> | undefined;
  return {
    http,
    store,
    bus,
    ctx,
    adminKey: admin.key,
    firstStart,
    listen: () => http.listen({ port: config.port, host: config.host }),
    close() {
      closing ??= (async () => {
        await http.close();
        await bus!.close();
        await store.close();
      })();
      return closing;
    },
  };
}
