import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Config,
  ConfigError,
  loadConfig,
  migrate,
  rebuildReports,
  SETTINGS,
  startServer,
} from '@switchboard/server';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';

/** The server's own flags (README "Configuration"), declared on `start` and `migrate` for --help. */
function addServerOptions(command: Command): Command {
  for (const setting of SETTINGS) {
    command.option(`--${setting.flag} <value>`, `${setting.meaning} (env ${setting.env})`);
  }
  return command;
}

/** The options given on the command line, back in the server's own `--flag value` form. */
function serverArgv(command: Command): string[] {
  // `--admin-key` is also a connection flag of the program, which takes it wherever it appears.
  const values = { ...command.opts<Record<string, string | undefined>>() };
  const root = command.parent;
  if (root && root.getOptionValueSource('adminKey') === 'cli')
    values.adminKey = root.opts<{ adminKey?: string }>().adminKey;
  return SETTINGS.flatMap((setting) => {
    const key = setting.flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = values[key];
    return value === undefined ? [] : [`--${setting.flag}`, value];
  });
}

/**
 * `npm start` runs in the server's workspace, so its default `./data` is server/data: without
 * --data-dir or SWITCHBOARD_DATA_DIR, start and migrate use that same directory (same store, same key).
 */
function withDataDir(argv: string[]): string[] {
  if (argv.includes('--data-dir') || process.env.SWITCHBOARD_DATA_DIR) return argv;
  const serverDir = fileURLToPath(new URL('.', import.meta.resolve('@switchboard/server/package.json')));
  return [...argv, '--data-dir', join(serverDir, 'data')];
}

function configOf(argv: string[]): Config {
  try {
    return loadConfig(argv);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export function serverCommands(program: Command): void {
  addServerOptions(
    program
      .command('start')
      .description('run the server, exactly as `npm start` does (flags or environment)'),
  ).action(async (_options: unknown, command: Command) => {
    const config = configOf(withDataDir(serverArgv(command)));
    try {
      // It keeps this process alive while it listens, and exits it on SIGTERM or SIGINT.
      await startServer(config);
    } catch (error) {
      // Some settings (the webhook allowlist) are only checked when the node is built.
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
  });
  addServerOptions(
    program
      .command('migrate')
      .description("run the store's migrations and exit (same flags and environment as start)"),
  ).action(async (_options: unknown, command: Command) => {
    const config = configOf(withDataDir(serverArgv(command)));
    const { dialect } = await migrate(config);
    const where = dialect === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL';
    process.stdout.write(`migrations up to date (${where})\n`);
  });
  addServerOptions(
    program
      .command('rebuild-reports')
      .description('rebuild the report projection from the event log and exit (docs/reports.md)')
      .option('--app <id>', 'only this app'),
  ).action(async (options: { app?: string }, command: Command) => {
    const config = configOf(withDataDir(serverArgv(command)));
    await rebuildReports(config, options.app);
    process.stdout.write(`reports rebuilt${options.app ? ` for app ${options.app}` : ''}\n`);
  });
}
