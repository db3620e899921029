import type { Ctx } from '../events/context.ts';
import type { Actor } from '../policies/actor.ts';
import { reportScope, requireExporter } from '../policies/reports.ts';
import { agentsReport } from './agents-report.ts';
import type { Interval } from './buckets.ts';
import { type ChatsReport, chatsReport } from './chats-report.ts';
import { type ExportedChat, exportedChats } from './export.ts';
import { rangeOf } from './range.ts';

interface RangeInput {
  from?: number | undefined;
  to?: number | undefined;
}

/** GET /reports/chats (docs/reports.md): a supervisor's report is of its rooms, whatever it asks. */
export function readChatsReport(
  ctx: Ctx,
  actor: Actor,
  query: RangeInput & { interval?: Interval; tz?: string; room?: number; agent?: string },
): Promise<ChatsReport> {
  const rooms = reportScope(actor, query.room);
  return chatsReport(ctx.store, actor.app.id, {
    ...rangeOf(query),
    interval: query.interval ?? 'day',
    tz: query.tz ?? 'UTC',
    rooms,
    agent: query.agent,
  });
}

/** GET /reports/agents. */
export function readAgentsReport(ctx: Ctx, actor: Actor, query: RangeInput & { room?: number }) {
  const rooms = reportScope(actor, query.room);
  return agentsReport(ctx.store, actor.app.id, { ...rangeOf(query), rooms });
}

/** GET /chats/export: the app secret and admins; checked before the first row is read. */
export function exportChats(ctx: Ctx, actor: Actor, query: RangeInput): AsyncGenerator<ExportedChat> {
  requireExporter(actor);
  return exportedChats(ctx.store, actor.app.id, rangeOf(query));
}
