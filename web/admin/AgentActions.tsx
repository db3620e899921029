import { useState } from 'preact/hooks';
import { describeError } from '../src/lib/hooks.ts';
import type { Agent, Client } from '../src/lib/sdk.ts';
import { Button } from '../src/ui/index.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';

/** Whether the agent may sign in (`active`, docs/people.md); agents without the field are active. */
export const isActive = (agent: Agent): boolean => agent.active !== false;

/**
 * An agent's row actions (docs/people.md): deactivate (its sessions end at once, its chats go back
 * to the queue) or reactivate, and delete — deactivated and anonymised, after a confirmation.
 */
export function AgentActions({
  client,
  agent,
  onDone,
  onError,
}: {
  client: Client;
  agent: Agent;
  onDone: (message: string) => Promise<void>;
  onError: (message: string) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  async function act(work: () => Promise<unknown>, message: string) {
    setBusy(true);
    try {
      await work();
      await onDone(message);
    } catch (failure) {
      onError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  const active = isActive(agent);
  return (
    <>
      {active ? (
        <Button
          variant="secondary"
          small
          disabled={busy}
          aria-label={`Deactivate ${agent.name}`}
          onClick={() =>
            void act(
              () => client.agents.update(agent.id, { active: false }),
              `${agent.name} is deactivated: signed out everywhere, its chats back in the queue.`,
            )
          }
        >
          Deactivate
        </Button>
      ) : (
        <Button
          variant="secondary"
          small
          disabled={busy}
          aria-label={`Reactivate ${agent.name}`}
          onClick={() =>
            void act(
              () => client.agents.update(agent.id, { active: true }),
              `${agent.name} is active again and may sign in.`,
            )
          }
        >
          Reactivate
        </Button>
      )}
      <Button
        variant="danger"
        small
        disabled={busy}
        aria-label={`Delete ${agent.name}`}
        onClick={() => setConfirming(true)}
      >
        Delete
      </Button>
      {confirming ? (
        <ConfirmDialog
          title={`Delete ${agent.name}?`}
          confirm="Delete agent"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void act(() => client.agents.delete(agent.id), `${agent.name} was deleted.`);
          }}
        >
          <p>
            {agent.name} is signed out everywhere and can no longer sign in; its name and email are erased.
            Its messages stay in the transcripts, under “Deleted agent”. This cannot be undone.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
