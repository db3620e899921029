import { useEffect } from 'preact/hooks';
import { Button, CountdownRing } from '../src/ui/index.ts';
import type { ConsoleModel, PendingInvitation } from './model.ts';

/**
 * Pending invitations, each a non-modal dialog "Invitation" with a countdown ring to `expires`.
 * Keyboard: Tab reaches Accept / Reject; Alt+A accepts and Alt+R rejects the oldest from anywhere.
 */
export function Invitations({
  model,
  invitations,
}: {
  model: ConsoleModel;
  invitations: PendingInvitation[];
}) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const first = invitations[0];
      if (!first || !event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 'a') {
        event.preventDefault();
        void model.accept(first.chatId);
      } else if (key === 'r') {
        event.preventDefault();
        void model.reject(first.chatId);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [model, invitations]);

  if (invitations.length === 0) return null;
  return (
    <section class="console__invitations" aria-label="Invitations">
      {invitations.map((invitation) => (
        <div
          key={invitation.id}
          class="console__invitation sb-card"
          role="dialog"
          aria-label="Invitation"
          aria-describedby={`invitation-${invitation.id}`}
        >
          <CountdownRing expires={invitation.expires} started={invitation.started} />
          <p id={`invitation-${invitation.id}`} class="console__invitation-text">
            <strong>{invitation.visitorName}</strong>{' '}
            {invitation.transfer ? 'is being transferred to you' : 'is waiting for an agent'}
            <span class="sb-hint"> · Alt+A accept · Alt+R reject</span>
          </p>
          <Button onClick={() => void model.accept(invitation.chatId)}>Accept</Button>
          <Button variant="secondary" onClick={() => void model.reject(invitation.chatId)}>
            Reject
          </Button>
        </div>
      ))}
    </section>
  );
}
