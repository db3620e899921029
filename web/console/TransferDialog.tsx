import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../src/lib/sdk.ts';
import { Button, ErrorNote } from '../src/ui/index.ts';
import type { ConsoleModel } from './model.ts';

/** Hand the chat to an online agent with a free slot, to another room, or back to the queue. Escape cancels. */
export function TransferDialog({
  model,
  chatId,
  onDone,
}: {
  model: ConsoleModel;
  chatId: string;
  onDone: () => void;
}) {
  const [agents, setAgents] = useState<User[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [sent, setSent] = useState<string | undefined>(undefined);
  const ref = useRef<HTMLDivElement>(null);
  // The app's other rooms: the chat goes back to the queue there, for that room's agents.
  const state = model.store.state;
  const current = state.chats[chatId]?.chat.room;
  const rooms = (state.settings?.rooms ?? []).filter((room) => room.id !== current);
  useEffect(() => {
    model
      .transferTargets(chatId)
      .then(setAgents, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    ref.current?.querySelector<HTMLElement>('button')?.focus();
  }, [model, chatId]);

  return (
    <div
      class="sb-card console__transfer"
      role="dialog"
      aria-label="Transfer chat"
      ref={ref}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onDone();
      }}
    >
      <h3>Transfer to</h3>
      <ErrorNote message={error} />
      {sent ? <p role="status">Invitation sent to {sent}. The chat moves when they accept.</p> : null}
      {agents === undefined && !error ? <p class="sb-hint">Looking for agents…</p> : null}
      {agents?.length === 0 ? <p class="sb-hint">No other agent is online with a free slot.</p> : null}
      <ul class="sb-list">
        {agents?.map((agent) => (
          <li key={agent.id} class="console__transfer-agent">
            <span>
              {agent.nickname || agent.name}{' '}
              <span class="sb-hint">
                {(agent.maxChats ?? 0) - (agent.chats?.length ?? 0)} free of {agent.maxChats}
              </span>
            </span>
            <Button
              small
              aria-label={`Transfer to ${agent.nickname || agent.name}`}
              onClick={async () => {
                if (await model.transferTo(chatId, agent.id)) setSent(agent.nickname || agent.name);
              }}
            >
              Transfer
            </Button>
          </li>
        ))}
      </ul>
      {rooms.length > 0 ? (
        <>
          <h3>Transfer to a room</h3>
          <ul class="sb-list">
            {rooms.map((room) => (
              <li key={room.id} class="console__transfer-agent">
                <span>{room.name}</span>
                <Button
                  small
                  aria-label={`Transfer to room ${room.name}`}
                  onClick={async () => {
                    if (await model.transferToRoom(chatId, room.id)) onDone();
                  }}
                >
                  Transfer
                </Button>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div class="console__transfer-actions">
        <Button
          variant="secondary"
          small
          onClick={async () => {
            if (await model.backToQueue(chatId)) onDone();
          }}
        >
          Back to queue
        </Button>
        <Button variant="secondary" small onClick={onDone}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
