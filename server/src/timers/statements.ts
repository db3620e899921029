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

/**
 * Removes a timer only under the claim given (a timer rescheduled meanwhile has another). `claimedUntil`
 * and `renewingTo` are the claim before and after a renewal that may be committing meanwhile (the
 * same value when none is).
 */
export const deleteClaimedTimer = prepare<
  { kind: string; ref: string; claimedUntil: number; renewingTo: number },
  unknown
>((db, arg) =>
  db
    .deleteFrom('timers')
    .where('kind', '=', arg('kind'))
    .where('ref', '=', arg('ref'))
    .where('claimedUntil', 'in', [arg('claimedUntil'), arg('renewingTo')]),
);

/** Extends a claim from `from` to `until`; no row when the claim is no longer that one. */
export const renewTimerClaim = prepare<{ kind: string; ref: string; from: number; until: number }, unknown>(
  (db, arg) =>
    db
      .updateTable('timers')
      .set({ claimedUntil: arg('until') })
      .where('kind', '=', arg('kind'))
      .where('ref', '=', arg('ref'))
      .where('claimedUntil', '=', arg('from')),
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

/**
 * When the next claim can succeed: the earliest due time of an unclaimed timer, or the end of the
 * earliest claim (a claimed timer is due already; it becomes claimable when its lease runs out).
 * Claimed timers' due times must not count, or an overdue one in flight would plan a pass at once,
 * again and again, until its handler ends. Both reads are bounded by the `due` index.
 */
export async function nextClaimable(db: Db, now: number): Promise<number | undefined> {
  const result = await sql<{ free: number | string | null; held: number | string | null }>`
    select
      (select min(due) from timers where claimed_until is null) as free,
      (select min(claimed_until) from timers where due <= ${now} and claimed_until is not null) as held
  `.execute(db);
  const row = result.rows[0];
  const free = row?.free != null ? Number(row.free) : Number.POSITIVE_INFINITY;
  // A claim that ends at `held` is claimable from held + 1 (claims take `claimed_until < now`).
  const held = row?.held != null ? Number(row.held) + 1 : Number.POSITIVE_INFINITY;
  const next = Math.min(free, held);
  return Number.isFinite(next) ? next : undefined;
}
