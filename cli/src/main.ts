import { Command, CommanderError } from 'commander';
import { appsCommand } from './commands/apps.ts';
import { listenCommand } from './commands/listen.ts';
import { serverCommands } from './commands/server.ts';
import { tailCommand } from './commands/tail.ts';
import { webhooksCommand } from './commands/webhooks.ts';
import { addConnectionOptions } from './connection.ts';
import { describeError, EXIT_FAILURE, EXIT_USAGE, UsageError } from './errors.ts';

function oneLine(text: string): string {
  return `switchboard: ${text
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim()}\n`;
}

/** `switchboard <command>` (docs/clients.md): every command talks to the server through the SDK. */
const program = new Command('switchboard')
  .description('Switchboard: run the server, manage apps and webhooks, listen to and tail the event stream')
  .version('0.1.0')
  .showSuggestionAfterError()
  .configureOutput({
    // Commander's own errors ("unknown option", "missing required option") as one line, like ours.
    outputError: (text, write) => write(oneLine(text)),
  })
  .exitOverride();
addConnectionOptions(program);
serverCommands(program);
appsCommand(program);
webhooksCommand(program);
listenCommand(program);
tailCommand(program);

// Every command and group: errors on one line, exit codes instead of exceptions.
const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
for (const command of all(program)) {
  command.exitOverride();
  command.configureOutput({
    outputError: (text, write) => write(oneLine(text)),
  });
}

// Some awaits end on unref'd timers (the store's close): keep the process alive until the command is done.
const keepAlive = setInterval(() => {}, 60_000);
try {
  await program.parseAsync(process.argv);
  clearInterval(keepAlive);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; usage mistakes were already printed by Commander.
    process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  process.stderr.write(`switchboard: ${describeError(error)}\n`);
  process.exit(error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE);
}
