import { onPostgres, type Tx } from '../store/database.ts';
import { conflict, type DomainError } from '../util/errors.ts';

/**
 * How many of each collection one app (or the instance) may hold, so no tenant can grow a list
 * without bound — a thousand webhooks would turn each message into a thousand deliveries. Set from
 * configuration (docs/limits.md); reaching one is a 409 that names the cap.
 */
export interface Caps {
  webhooksPerApp: number;
  agentsPerApp: number;
  apps: number;
}

export function capReached(what: string, max: number): DomainError {
  return conflict(`Limit reached: at most ${max} ${what}`, [{ field: what, message: `at most ${max}` }]);
}

/**
 * Refuses one more row of an app's collection once it holds `max`. Runs inside the inserting
 * transaction after locking the app's row (PostgreSQL; SQLite has one writer), so simultaneous
 * creations cannot both slip under the cap.
 */
export async function checkAppCap(
  tx: Tx,
  appId: string,
  collection: 'webhooks' | 'agents',
  max: number,
): Promise<void> {
  if (onPostgres(tx)) await tx.selectFrom('apps').select('id').where('id', '=', appId).forUpdate().execute();
  const row =
    collection === 'webhooks'
      ? await tx
          .selectFrom('webhooks')
          .where('appId', '=', appId)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst()
      : await tx
          .selectFrom('users')
          .where('appId', '=', appId)
          .where('role', '=', 'agent')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirst();
  if (Number(row?.n ?? 0) >= max) throw capReached(`${collection} per app`, max);
}
