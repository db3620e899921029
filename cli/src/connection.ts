import { type Client, createClient } from '@switchboard/sdk';
import type { Command } from 'commander';
import { UsageError } from './errors.ts';

/** Connection flags (docs/clients.md, "CLI"), each with its environment variable. */
export interface ConnectionFlags {
  url: string;
  app?: string;
  secret?: string;
  adminKey?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:8000';

export function addConnectionOptions(program: Command): Command {
  return program
    .option('--url <url>', 'server URL (env SWITCHBOARD_URL)', process.env.SWITCHBOARD_URL || DEFAULT_URL)
    .option('--app <appId>', 'app id (env SWITCHBOARD_APP_ID)', process.env.SWITCHBOARD_APP_ID || undefined)
    .option(
      '--secret <secret>',
      'app secret (env SWITCHBOARD_SECRET)',
      process.env.SWITCHBOARD_SECRET || undefined,
    )
    .option(
      '--admin-key <key>',
      'operator key, for apps (env SWITCHBOARD_ADMIN_KEY)',
      process.env.SWITCHBOARD_ADMIN_KEY || undefined,
    );
}

function flagsOf(command: Command): ConnectionFlags {
  const flags = command.optsWithGlobals<ConnectionFlags>();
  if (!/^https?:\/\/[^/]/.test(flags.url))
    throw new UsageError(`--url must be an http:// or https:// URL, got "${flags.url}"`);
  return flags;
}

/** A client with the app's secret (`--app` and `--secret`, or their environment variables). */
export function appClient(command: Command): Client & { appId: string; secret: string } {
  const flags = flagsOf(command);
  if (!flags.app) throw new UsageError('no app id: pass --app or set SWITCHBOARD_APP_ID');
  if (!flags.secret) throw new UsageError('no app secret: pass --secret or set SWITCHBOARD_SECRET');
  return Object.assign(createClient({ baseUrl: flags.url, appId: flags.app, secret: flags.secret }), {
    appId: flags.app,
    secret: flags.secret,
  });
}

/** A client with the operator key (`--admin-key` or SWITCHBOARD_ADMIN_KEY). */
export function adminClient(command: Command): Client {
  const flags = flagsOf(command);
  if (!flags.adminKey) throw new UsageError('no admin key: pass --admin-key or set SWITCHBOARD_ADMIN_KEY');
  return createClient({ baseUrl: flags.url, adminKey: flags.adminKey });
}
