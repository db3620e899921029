import type { Candidate } from './eligibility.ts';

export type Algorithm = 'least-busy' | 'round-robin';

/**
 * The built-in choice among eligible agents (spec 5.2 step 3):
 * least-busy — fewest active chats, then longest since their last invitation, then id;
 * round-robin — longest since their last invitation, then id.
 */
export function chooseAgent(algorithm: Algorithm, candidates: readonly Candidate[]): Candidate | undefined {
  const sorted = [...candidates].sort((a, b) => {
    if (algorithm === 'least-busy') {
      const busy = a.row.activeChats + a.pending - (b.row.activeChats + b.pending);
      if (busy !== 0) return busy;
    }
    if (a.row.lastInvited !== b.row.lastInvited) return a.row.lastInvited - b.row.lastInvited;
    return a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0;
  });
  return sorted[0];
}

let lastStamp = 0;

/** A strictly increasing invitation stamp (ms × 1000 + tiebreak), so "longest since" never ties in-process. */
export function invitationStamp(): number {
  lastStamp = Math.max(Date.now() * 1000, lastStamp + 1);
  return lastStamp;
}
