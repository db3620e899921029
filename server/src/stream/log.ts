import { TRIGGERS, type Trigger } from '../events/catalog.ts';
import type { Db } from '../store/database.ts';
import type { ReplayRow } from './frames.ts';

/**
 * The app's events with `after < position <= upTo` whose trigger is one of `triggers`, oldest first:
 * the replay of a stream, read from the outbox the dispatcher reads. `chats:assign` rows are never
 * replayed: they record questions asked at a jump, answerable only while it waited.
 */
export async function eventsAfter(
  db: Db,
  appId: string,
  triggers: ReadonlySet<Trigger>,
  after: number,
  upTo: number,
  limit: number,
): Promise<ReplayRow[]> {
  const wanted: Trigger[] = [...triggers].filter((t) => t !== 'chats:assign');
  if (after >= upTo || wanted.length === 0) return [];
  // The shorter list: the default stream (every trigger but chats:assign) excludes one.
  const unwanted = TRIGGERS.filter((t) => !wanted.includes(t));
  const rows = await db
    .selectFrom('events')
    .select(['id', 'position', 'trigger', 'data', 'created'])
    .where('appId', '=', appId)
    .where('position', '>', after)
    .where('position', '<=', upTo)
    .where(
      'trigger',
      unwanted.length < wanted.length ? 'not in' : 'in',
      unwanted.length < wanted.length ? unwanted : wanted,
    )
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...row, position: Number(row.position), created: Number(row.created) }));
}
