import type { WebhookRow } from '../../store/schema.ts';
import { inTransaction } from '../tx.ts';
import type { Completion, DeliveryContext } from './context.ts';
import { ARM_CHUNK, armLaneList, lockHooks } from './lanes.ts';
import {
  type AttemptLogRow,
  existingDeliveries,
  insertAttempts,
  recordFailure,
  recordSuccesses,
  type SuccessGroup,
  updateHookHealth,
} from './record-sql.ts';
import { failureClock, judge, type Verdict } from './verdict.ts';

/** What recording means for a webhook's pump. */
export interface RecordOutcome {
  /** The webhook row as locked by the recording transaction; absent when it was deleted. */
  hook?: WebhookRow;
  /** Disabled (410, five days), switched off or deleted: the pump stops. */
  stop: boolean;
}

/**
 * Records attempts of one or more webhooks in one transaction, under the webhooks' row locks (taken
 * in id order): each delivery's new state, one attempt row each, the next delivery armed in each lane
 * whose head finished, and each webhook's failure clock. Returns per webhook its row as locked (fresh
 * secrets and state for its pump) and whether its pump should stop.
 */
export function recordAttempts(
  ctx: DeliveryContext,
  byHook: ReadonlyMap<string, readonly Completion[]>,
): Promise<Map<string, RecordOutcome>> {
  const { schedule, autoDisableMs } = ctx.settings;
  return inTransaction(ctx.store, async (tx) => {
    const hooks = await lockHooks(tx, [...byHook.keys()]);
    const outcomes = new Map<string, RecordOutcome>();
    const now = Date.now();
    const nowS = Math.floor(now / 1000);
    const groups = new Map<string, SuccessGroup>();
    const changed = new Set<string>();
    const verdicts = new Map<string, Verdict>();
    const health: Array<[string, number | null, string | undefined]> = [];
    const items: Array<{ webhookId: string } & Completion> = [];
    for (const [webhookId, completions] of byHook) {
      const hook = hooks.get(webhookId);
      if (!hook) {
        outcomes.set(webhookId, { stop: true }); // deleted meanwhile: its deliveries went with it
        continue;
      }
      const clock = failureClock(hook.failingSince, autoDisableMs);
      for (const { row, result } of completions) {
        items.push({ webhookId, row, result });
        const verdict = judge(result, row.round, schedule, now);
        verdicts.set(row.id, verdict);
        if (verdict.ok) {
          clock.success();
          const key = JSON.stringify([row.attempts, verdict.round, result.status, verdict.error]);
          let group = groups.get(key);
          if (!group) {
            group = {
              attemptsBefore: row.attempts,
              round: verdict.round,
              status: result.status,
              error: verdict.error,
              ids: [],
            };
            groups.set(key, group);
          }
          group.ids.push(row.id);
          continue;
        }
        clock.failure(result.status, nowS);
        const delivery = { id: row.id, attempts: row.attempts, round: verdict.round };
        for (const id of await recordFailure(tx, delivery, result, verdict.error, verdict.nextAttempt, nowS))
          changed.add(id);
      }
      const disable = clock.disable;
      const disabling = disable !== undefined && hook.active === 1;
      if (clock.failingSince !== hook.failingSince || disabling) {
        health.push([webhookId, clock.failingSince, disabling ? disable : undefined]);
        if (disabling) ctx.log().warn({ webhookId, reason: disable }, 'webhook disabled');
      }
      outcomes.set(webhookId, {
        hook: {
          ...hook,
          failingSince: clock.failingSince,
          ...(disabling ? { active: 0, disabledReason: disable } : {}),
        },
        stop: disable !== undefined || hook.active !== 1,
      });
    }
    for (const group of groups.values())
      for (const id of await recordSuccesses(tx, group, nowS)) changed.add(id);
    // An answer that changed nothing (another node got there first) is still logged, if its delivery is there.
    const present = new Set(changed);
    const unchanged = items.filter((c) => !changed.has(c.row.id)).map((c) => c.row.id);
    for (const id of await existingDeliveries(tx, unchanged)) present.add(id);
    const log: AttemptLogRow[] = items
      .filter((c) => present.has(c.row.id))
      .map(({ webhookId, row, result }) => ({
        deliveryId: row.id,
        webhookId,
        appId: row.appId,
        result,
        error: verdicts.get(row.id)?.error ?? null,
      }));
    await insertAttempts(tx, log, nowS);
    // The lanes whose head is done: arm their next delivery (unless one is armed already).
    const done = new Map<string, readonly [string, string]>();
    for (const c of items) {
      if (verdicts.get(c.row.id)?.finished && changed.has(c.row.id))
        done.set(`${c.webhookId} ${c.row.lane}`, [c.webhookId, c.row.lane]);
    }
    const lanes = [...done.values()];
    for (let i = 0; i < lanes.length; i += ARM_CHUNK)
      await armLaneList(tx, lanes.slice(i, i + ARM_CHUNK), now);
    for (const [webhookId, failingSince, disabledReason] of health)
      await updateHookHealth(tx, webhookId, failingSince, disabledReason);
    return outcomes;
  });
}
