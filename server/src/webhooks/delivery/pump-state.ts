import type { WebhookRow } from '../../store/schema.ts';
import { holdLease, type Lease, type Wakeable } from '../../timers/lease.ts';
import type { Completion, DeliveryContext } from './context.ts';
import { loadHook, renewLease } from './pump-sql.ts';

/** Everything one webhook's pump knows while it holds the webhook's lease. */
export interface PumpState {
  readonly id: string;
  /** The webhook as last read (or as the last recording locked it); undefined once deleted. */
  hook: WebhookRow | undefined;
  loadedAt: number;
  readonly lease: Lease;
  /** Wakes the pump: an answer recorded, a delivery due, shutdown. */
  readonly signal: Wakeable;
  /**
   * Lanes with an attempt out, or its answer not yet recorded: nothing else of theirs starts until
   * the answer is committed, so order holds and this node never sends a delivery twice in normal
   * operation.
   */
  readonly busyLanes: Set<string>;
  /** Attempts out (at most `parallel`). */
  readonly attempts: Set<Promise<void>>;
  /** Answers waiting for the recorder, and the flush writing them. */
  readonly answers: Completion[];
  flushing: Promise<void> | undefined;
  lastWork: number;
  /** After a failed recording: no new attempts before this. */
  pauseUntil: number;
  /** The recording found it disabled, switched off or deleted: the pump stops. */
  disabled: boolean;
  /** The pump went idle since `hook` was read: read it again before the next attempt. */
  stale: boolean;
}

/** The state of a pump whose lease was just claimed. */
export async function openPump(ctx: DeliveryContext, id: string, signal: Wakeable): Promise<PumpState> {
  const { store, nodeId, settings } = ctx;
  const hook = await loadHook(store.db, id);
  const now = Date.now();
  return {
    id,
    hook,
    loadedAt: now,
    lease: holdLease({
      leaseMs: settings.leaseMs,
      // The pump's loop checks at least every second (its longest wait), so a third of a lease of
      // a few seconds is renewed in time.
      renewMs: Math.floor(settings.leaseMs / 3),
      renew: (until) => renewLease(store.db, id, nodeId, until),
    }),
    signal,
    busyLanes: new Set(),
    attempts: new Set(),
    answers: [],
    flushing: undefined,
    lastWork: now,
    pauseUntil: 0,
    disabled: false,
    stale: false,
  };
}
