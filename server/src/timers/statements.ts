import { sql } from 'kysely';
import type { Db } from '../store/database.ts';
import { prepare } from '../store/prepared.ts';
import type { TimerRow } from '../store/schema.ts';

/** Every statement on `timers`, in one place. */

export const upsertTimer = prepare<
  { kind: string; ref: string; appId: string; due: number; payload: string },
  unknown
>((db, arg) =>
  db
    .insertInto('timers')
    .values({
      kind: arg('kind'),
      ref: arg('ref'),
      appId: arg('appId'),
      due: arg('due'),
      claimedUntil: null,
      payload: arg('payload'),
    })
    .onConflict((oc) =>
      oc
        .columns(['kind', 'ref'])
        .doUpdateSet({ due: arg('due'), claimedUntil: null, payload: arg('payload'), attempts: 0 }),
    ),
);

export const deleteTimer = prepare<{ kind: string; ref: string }, unknown>((db, arg) =>
  db.deleteFrom('timers').where('kind', '=', arg('kind')).where('ref', '=', arg('ref')),
);

/** Removes a timer only under the claim given (a timer rescheduled meanwhile has another). */
export const deleteClaimedTimer = prepare<{ kind: string; ref: string; claimedUntil: number }, unknown>(
  (db, arg) =>
    db
      .deleteFrom('timers')
      .where('kind', '=', arg('kind'))
      .where('ref', '=', arg('ref'))
      .where('claimedUntil', '=', arg('claimedUntil')),
);

/**
 * Claims up to `batch` due timers with a lease until `lease` (ms): unclaimed ones and those whose
 * claim ran out (a node died mid-handler). PostgreSQL skips rows another node is claiming.
 */
export async function claimDueTimers(
  db: Db,
  postgres: boolean,
  now: number,
  lease: number,
  batch: number,
): Promise<TimerRow[]> {
  const lock = postgres ? sql`for update skip locked` : sql``;
  const result = await sql<TimerRow>`
    update timers set claimed_until = ${lease}, attempts = attempts + 1
    where (kind, ref) in (
      select kind, ref from timers
      where due <= ${now} and (claimed_until is null or claimed_until < ${now})
      order by due limit ${batch} ${lock}
    )
    returning *`.execute(db);
  return result.rows;
}

/** A failed handler's timer: unclaimed and due again after `due` (only under the claim it ran with). */
export async function retryTimerLater(db: Db, timer: TimerRow, due: number): Promise<void> {
  await db
    .updateTable('timers')
    .set({ claimedUntil: null, due })
    .where('kind', '=', timer.kind)
    .where('ref', '=', timer.ref)
    .where('claimedUntil', '=', timer.claimedUntil)
    .execute();
}

/** The earliest due time of any timer (claimed ones included), or undefined when there is none. */
export async function earliestDue(db: Db): Promise<number | undefined> {
  const next = await db
    .selectFrom('timers')
    .select((eb) => eb.fn.min('due').as('due'))
    .executeTakeFirst();
  return next?.due != null ? Number(next.due) : undefined;
}
