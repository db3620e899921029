import type { StreamEvent } from '@switchboard/sdk';
import type { Command } from 'commander';
import { appClient } from '../connection.ts';
import { clock } from '../output.ts';
import { runStream } from '../stream-loop.ts';
import { parseEvents } from '../triggers.ts';

function summary(event: StreamEvent): string {
  const data = event.data as Record<string, unknown>;
  const parts: string[] = [];
  const chat = (data.chatId ??
    (data.chat as { id?: string } | undefined)?.id ??
    (data.message as { chat?: string } | undefined)?.chat) as string | undefined;
  if (chat) parts.push(`chat ${chat}`);
  if (typeof data.userId === 'string') parts.push(`user ${data.userId}`);
  if (typeof data.type === 'string') parts.push(data.type);
  const message = data.message as { sender?: string; message?: unknown } | undefined;
  if (message && typeof message.message === 'string')
    parts.push(`${message.sender}: ${JSON.stringify(message.message.slice(0, 60))}`);
  return parts.join('  ');
}

export function tailCommand(program: Command): void {
  program
    .command('tail')
    .description("print the app's live event stream")
    .option('--events <events>', 'comma-separated triggers (default: all but chats:assign)')
    .option('--json', 'one JSON object per line (the stream frame: envelope, id, cursor)')
    .option('--cursor <cursor>', 'start after this cursor (replays what came since)')
    .action(async (options: { events?: string; json?: boolean; cursor?: string }, command: Command) => {
      const events = parseEvents(options.events)?.filter((e) => e !== 'chats:assign');
      const client = appClient(command);
      await runStream(client, {
        banner: [`Tailing events of app ${client.appId}`],
        stop: new AbortController(),
        stream: { ...(events ? { events } : {}), ...(options.cursor ? { cursor: options.cursor } : {}) },
        onEvent: (event) => {
          process.stdout.write(
            options.json
              ? `${JSON.stringify(event)}\n`
              : `${clock()}  ${event.trigger.padEnd(18)}  ${summary(event)}\n`,
          );
        },
      });
    });
}
