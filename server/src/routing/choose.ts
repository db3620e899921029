import type { Candidate } from './eligibility.ts';

export type Algorithm = 'least-busy' | 'round-robin';

const none: ReadonlyMap<string, number> = new Map();

/**
 * Negative when `a` comes before `b` in the algorithm's order of preference. `reserved` counts, per
 * agent, invitations this process is about to send (jumps between their choice and their commit): they
 * weigh as pending ones, so simultaneous jumps spread over agents instead of all choosing the same one.
 */
function compare(
  algorithm: Algorithm,
  a: Candidate,
  b: Candidate,
  reserved: ReadonlyMap<string, number>,
): number {
  const ra = reserved.get(a.row.id) ?? 0;
  const rb = reserved.get(b.row.id) ?? 0;
  if (algorithm === 'least-busy') {
    const busy = a.row.activeChats + a.pending + ra - (b.row.activeChats + b.pending + rb);
    if (busy !== 0) return busy;
  }
  if (ra !== rb) return ra - rb;
  if (a.row.lastInvited !== b.row.lastInvited) return a.row.lastInvited - b.row.lastInvited;
  return a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0;
}

/**
 * The built-in choice among eligible agents (docs/routing.md, loop step 2):
 * least-busy — fewest active chats, then longest since their last invitation, then id;
 * round-robin — longest since their last invitation, then id.
 */
export function chooseAgent(
  algorithm: Algorithm,
  candidates: readonly Candidate[],
  reserved: ReadonlyMap<string, number> = none,
): Candidate | undefined {
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (best === undefined || compare(algorithm, candidate, best, reserved) < 0) best = candidate;
  }
  return best;
}

let lastStamp = 0;

/** A strictly increasing invitation stamp (ms × 1000 + tiebreak), so "longest since" never ties in-process. */
export function invitationStamp(): number {
  lastStamp = Math.max(Date.now() * 1000, lastStamp + 1);
  return lastStamp;
}
