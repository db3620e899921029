import type { AssignQuestion, StreamEvent } from '@switchboard/sdk';
import { signDelivery } from '@switchboard/server';
import type { Command } from 'commander';
import { appClient } from '../connection.ts';
import { UsageError } from '../errors.ts';
import { localSecret } from '../local-secret.ts';
import { clock } from '../output.ts';
import { runStream } from '../stream-loop.ts';
import { parseEvents } from '../triggers.ts';

const FORWARD_TIMEOUT_MS = 15_000;
/** A chats:assign answer later than the server's 5 s cannot count: stop waiting then. */
const ASSIGN_TIMEOUT_MS = 5_000;

interface Forwarded {
  status: number | undefined;
  ms: number;
  body: string;
  error?: string;
}

/** POSTs one event as a webhook delivery would be: the envelope, both signatures, the event id. */
async function forward(
  url: string,
  secret: string,
  event: StreamEvent,
  signal: AbortSignal,
  timeoutMs = FORWARD_TIMEOUT_MS,
): Promise<Forwarded> {
  const { trigger, appId, data, created_at } = event;
  const body = Buffer.from(JSON.stringify({ trigger, appId, data, created_at }));
  const headers = signDelivery([secret], event.id, Math.floor(Date.now() / 1000), body);
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    return { status: response.status, ms: Math.round(performance.now() - started), body: text };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const message = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    return { status: undefined, ms: Math.round(performance.now() - started), body: '', error: message };
  }
}

/** The agent a `chats:assign` answer names (`{agentId}`, `{agent: {id}}` or `{id}`: docs/webhooks.md). */
function chosenAgent(result: Forwarded): string | undefined {
  if (result.status === undefined || result.status < 200 || result.status > 299) return undefined;
  try {
    const body = JSON.parse(result.body) as { agentId?: unknown; agent?: { id?: unknown }; id?: unknown };
    const id = body.agentId ?? body.agent?.id ?? body.id;
    return typeof id === 'string' && id.length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

function chatOf(event: StreamEvent): string {
  const data = event.data as { chatId?: string; chat?: { id?: string }; message?: { chat?: string } };
  return data.chatId ?? data.chat?.id ?? data.message?.chat ?? '-';
}

function line(event: StreamEvent, result: Forwarded, extra = ''): string {
  const answer = result.error ? `error: ${result.error}` : String(result.status);
  return `${clock()}  ${event.trigger.padEnd(18)}  chat ${chatOf(event).padEnd(26)}  → ${answer}  ${result.ms} ms${extra}\n`;
}

export function listenCommand(program: Command): void {
  program
    .command('listen')
    .description(
      'ride the event stream and POST each event to a local URL, signed like a webhook; relays chats:assign answers',
    )
    .requiredOption('--forward-to <url>', 'where to POST each event, e.g. http://localhost:3000/webhooks')
    .option('--events <events>', 'comma-separated triggers (default: all, chats:assign included)')
    .action(async (options: { forwardTo: string; events?: string }, command: Command) => {
      if (!/^https?:\/\/[^/]/.test(options.forwardTo)) {
        throw new UsageError(`--forward-to must be an http:// or https:// URL, got "${options.forwardTo}"`);
      }
      const events = parseEvents(options.events);
      const client = appClient(command);
      const secret = localSecret(client.appId, client.secret);
      const stop = new AbortController();
      const onAssign = async (question: AssignQuestion) => {
        const result = await forward(options.forwardTo, secret, question, stop.signal, ASSIGN_TIMEOUT_MS);
        const agentId = chosenAgent(result);
        process.stdout.write(line(question, result, agentId ? `  agent ${agentId}` : '  (built-in choice)'));
        return agentId;
      };
      const wantsAssign = events === undefined || events.includes('chats:assign');
      await runStream(client, {
        banner: [
          `Forwarding events of app ${client.appId} to ${options.forwardTo}`,
          `Signing secret (the same on every run): ${secret}`,
        ],
        stop,
        stream: {
          ...(events ? { events: events.filter((e) => e !== 'chats:assign') } : {}),
          ...(wantsAssign ? { onAssign } : {}),
        },
        onEvent: async (event) => {
          process.stdout.write(line(event, await forward(options.forwardTo, secret, event, stop.signal)));
        },
      });
    });
}
