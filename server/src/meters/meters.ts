import { Counter, Histogram, Registry } from 'prom-client';

/**
 * The instruments the domain itself moves (docs/operations.md, "Metrics"): counters and histograms
 * incremented where the thing happens, never a query. One registry per thread (a module instance
 * each): the webhook worker thread's is read by the request thread at scrape time
 * (webhooks/thread/), which sums it with this one. Everything gathered at scrape time — waiting
 * chats, agents, sockets, backlogs, health — is in metrics/, beside the exporter.
 */
export const meterRegistry = new Registry();

const registers = [meterRegistry];

/** Invitation outcomes (`sent` is counted from `invitations:new` events by metrics/). */
export type InvitationOutcome = 'accepted' | 'rejected' | 'expired' | 'cancelled';

const invitations = new Counter({
  name: 'switchboard_invitations_ended_total',
  help: 'Invitations that ended, by outcome (accepted, rejected, expired, cancelled)',
  labelNames: ['outcome'],
  registers,
});
// Children made once: a labelled inc then costs no label hashing. Counters are exposed at 0 from
// the start, so the first increment shows in Prometheus's increase().
const invitationChildren = {
  accepted: invitations.labels('accepted'),
  rejected: invitations.labels('rejected'),
  expired: invitations.labels('expired'),
  cancelled: invitations.labels('cancelled'),
};

for (const child of Object.values(invitationChildren)) child.inc(0);

export function countInvitation(outcome: InvitationOutcome, n = 1): void {
  invitationChildren[outcome].inc(n);
}

const jumps = new Histogram({
  name: 'switchboard_routing_jump_seconds',
  help: 'Routing jumps: from the jump being due to its invitation (or join, or forever:alone) committed',
  labelNames: ['outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});
const jumpChildren = {
  invited: jumps.labels('invited'),
  joined: jumps.labels('joined'),
  alone: jumps.labels('alone'),
};

/** A jump's outcome committed; `dueMs` is when its timer was due (ms since the epoch). */
export function observeJump(outcome: keyof typeof jumpChildren, dueMs: number): void {
  jumpChildren[outcome].observe(Math.max(0, Date.now() - dueMs) / 1000);
}

const outboxLag = new Histogram({
  name: 'switchboard_outbox_lag_seconds',
  help: "PostgreSQL: from a change's COMMIT to its events positioned by the sequencer (stage=positioned) and published (stage=published)",
  labelNames: ['stage'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers,
});
const outboxChildren = {
  positioned: outboxLag.labels('positioned'),
  published: outboxLag.labels('published'),
};

/** `sinceMs`: a `performance.now()` taken right after the change committed. */
export function observeOutboxLag(
  stage: keyof typeof outboxChildren,
  sinceMs: number,
  atMs = performance.now(),
): void {
  outboxChildren[stage].observe(Math.max(0, atMs - sinceMs) / 1000);
}

/** What one webhook attempt got: a 2xx, another status, or no answer at all. */
export type AttemptResult = 'delivered' | 'failed' | 'unreachable';

const attempts = new Counter({
  name: 'switchboard_webhook_attempts_total',
  help: 'Webhook delivery attempts, by result: delivered (2xx), failed (another status), unreachable (no answer)',
  labelNames: ['result'],
  registers,
});
const attemptChildren = {
  delivered: attempts.labels('delivered'),
  failed: attempts.labels('failed'),
  unreachable: attempts.labels('unreachable'),
};
for (const child of Object.values(attemptChildren)) child.inc(0);
const attemptSeconds = new Histogram({
  name: 'switchboard_webhook_attempt_seconds',
  help: 'Webhook delivery attempts: from the POST sent to its answer (or the failure)',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
  registers,
});

/** One delivery attempt answered (`status` null: no answer), after `durationMs`. */
export function countAttempt(status: number | null, durationMs: number): void {
  const result: AttemptResult =
    status === null ? 'unreachable' : status >= 200 && status <= 299 ? 'delivered' : 'failed';
  attemptChildren[result].inc();
  attemptSeconds.observe(durationMs / 1000);
}

/** This thread's instruments as data: what the webhook thread sends to the request thread's exporter. */
export type MeterSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export function meterSnapshot(): Promise<MeterSnapshot> {
  return meterRegistry.getMetricsAsJSON();
}
