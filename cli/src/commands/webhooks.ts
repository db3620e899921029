import { SwitchboardError } from '@switchboard/sdk';
import type { Command } from 'commander';
import { appClient } from '../connection.ts';
import { UsageError } from '../errors.ts';
import { printJson, printTable, time } from '../output.ts';
import { parseEvents } from '../triggers.ts';

const STATUSES = ['pending', 'delivered', 'failed'];

/** `switchboard webhooks list | create | delete | deliveries | retry` (the app's secret). */
export function webhooksCommand(program: Command): void {
  const webhooks = program.command('webhooks').description("the app's webhooks and their delivery log");
  webhooks
    .command('list')
    .description('list the webhooks')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { webhooks: list } = await appClient(command).webhooks.list();
      if (options.json) return printJson(list);
      printTable(
        ['id', 'active', 'created', 'events', 'target'],
        list.map((w) => [
          w.id,
          w.active ? 'yes' : `no (${w.disabledReason ?? 'off'})`,
          time(w.created),
          w.events.join(','),
          w.target,
        ]),
      );
    });
  webhooks
    .command('create')
    .description('register a webhook (the target must answer the handshake); prints its secret once')
    .requiredOption('--target <url>', 'URL to POST events to')
    .requiredOption('--events <events>', 'comma-separated triggers, e.g. messages:new,chats:close')
    .option('--rate-limit <n>', 'deliveries per second at most')
    .option('--json', 'print JSON')
    .action(
      async (
        options: { target: string; events: string; rateLimit?: string; json?: boolean },
        command: Command,
      ) => {
        const events = parseEvents(options.events) ?? [];
        let rateLimit: number | undefined;
        if (options.rateLimit !== undefined) {
          rateLimit = Number(options.rateLimit);
          if (!Number.isFinite(rateLimit) || rateLimit < 0)
            throw new UsageError('--rate-limit must be a number ≥ 0');
        }
        const created = await appClient(command).webhooks.create({
          target: options.target,
          events,
          ...(rateLimit !== undefined ? { rateLimit } : {}),
        });
        if (options.json) return printJson(created);
        process.stdout.write(`webhook id:  ${created.webhook.id}\nsecret:      ${created.secret}\n`);
      },
    );
  webhooks
    .command('delete')
    .description('delete a webhook')
    .argument('<id>', 'webhook id')
    .action(async (id: string, _options: unknown, command: Command) => {
      await appClient(command).webhooks.delete(id);
      process.stdout.write(`deleted ${id}\n`);
    });
  webhooks
    .command('deliveries')
    .description("a webhook's delivery log, newest first")
    .argument('<id>', 'webhook id')
    .option('--status <status>', `only ${STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many (max 200)')
    .option('--json', 'print JSON')
    .action(
      async (id: string, options: { status?: string; limit?: string; json?: boolean }, command: Command) => {
        if (options.status !== undefined && !STATUSES.includes(options.status)) {
          throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
        }
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0))
          throw new UsageError('--limit must be a positive integer');
        const { deliveries } = await appClient(command).webhooks.deliveries(id, {
          ...(options.status ? { status: options.status as 'failed' } : {}),
          ...(limit ? { limit } : {}),
        });
        if (options.json) return printJson(deliveries);
        printTable(
          ['id', 'status', 'attempts', 'created', 'trigger'],
          deliveries.map((d) => [d.id, d.status, d.attempts, time(d.created), d.trigger]),
        );
      },
    );
  webhooks
    .command('retry')
    .description('send a delivery again now (finds its webhook unless --webhook is given)')
    .argument('<deliveryId>', 'delivery id')
    .option('--webhook <id>', 'the webhook the delivery belongs to')
    .action(async (deliveryId: string, options: { webhook?: string }, command: Command) => {
      const client = appClient(command);
      let webhookId = options.webhook;
      if (!webhookId) {
        for (const webhook of (await client.webhooks.list()).webhooks) {
          try {
            await client.webhooks.delivery(webhook.id, deliveryId);
            webhookId = webhook.id;
            break;
          } catch (error) {
            if (!(error instanceof SwitchboardError && error.status === 404)) throw error;
          }
        }
        if (!webhookId)
          throw new SwitchboardError(404, `no webhook of this app has a delivery ${deliveryId}`);
      }
      await client.webhooks.retry(webhookId, deliveryId);
      process.stdout.write(`retrying ${deliveryId} (webhook ${webhookId})\n`);
    });
}
