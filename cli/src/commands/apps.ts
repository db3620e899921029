import type { Command } from 'commander';
import { adminClient } from '../connection.ts';
import { printJson, printTable, time } from '../output.ts';

/** `switchboard apps list` · `apps create <name>` (the operator's admin key). */
export function appsCommand(program: Command): void {
  const apps = program.command('apps').description('list and create apps (needs the admin key)');
  apps
    .command('list')
    .description('list the apps of this server')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { apps: list } = await adminClient(command).apps.list();
      if (options.json) return printJson(list);
      printTable(
        ['id', 'name', 'created', 'domains'],
        list.map((a) => [a.id, a.name, time(a.created), a.domains.join(',') || '-']),
      );
    });
  apps
    .command('create')
    .description('create an app; prints its id, secret and domain key (the secret is shown only once)')
    .argument('<name>', 'name of the app')
    .option('--domains <domains>', 'comma-separated domains browsers may call from')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean; domains?: string }, command: Command) => {
      const domains = options.domains
        ?.split(',')
        .map((d) => d.trim())
        .filter(Boolean);
      const created = await adminClient(command).apps.create({ name, ...(domains ? { domains } : {}) });
      if (options.json) return printJson(created);
      process.stdout.write(
        [
          `app id:      ${created.app.id}`,
          `secret:      ${created.secret}`,
          `domain key:  ${created.domainKey}`,
          '',
          `export SWITCHBOARD_APP_ID=${created.app.id} SWITCHBOARD_SECRET=${created.secret}`,
        ].join('\n') + '\n',
      );
    });
}
