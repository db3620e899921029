import { useEffect } from 'preact/hooks';
import type { AgentStatus } from '../src/lib/sdk.ts';
import { useStore } from '../src/lib/store.ts';
import { ReportsPanel } from '../src/reports/ReportsPanel.tsx';
import { Banner, Button, ErrorNote } from '../src/ui/index.ts';
import { ChatList } from './ChatList.tsx';
import { Conversation } from './Conversation.tsx';
import { Invitations } from './Invitations.tsx';
import type { ConsoleModel } from './model.ts';
import { QueuePanel } from './QueuePanel.tsx';
import { VisitorPanel } from './VisitorPanel.tsx';

/** The signed-in console: header (status, sign out), invitations, chats and queue, the chat, its visitor. */
export function Workspace({ model, onSignOut }: { model: ConsoleModel; onSignOut: () => void }) {
  const state = useStore(model.store);
  const selected = state.selected ? state.chats[state.selected] : undefined;
  // Supervisors read the reports of their rooms here (the admin is the admins').
  const supervisor = state.agent.role === 'supervisor';
  const reports = supervisor && state.reports;

  // Coming back to the tab reads what is on screen.
  useEffect(() => {
    const onVisible = () => {
      if (!document.hidden && model.store.state.selected) model.select(model.store.state.selected);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [model]);

  return (
    <div class="sb-app console">
      {state.everConnected && !state.connected ? (
        <Banner>
          Connection lost — reconnecting… Nothing is missed: the console catches up when it is back.
        </Banner>
      ) : null}
      <header class="console__header">
        <h1 class="console__brand">Switchboard</h1>
        <span class="console__me">{state.agent.nickname || state.agent.name}</span>
        <label class="console__status">
          <span class="sb-visually-hidden">Status</span>
          <select
            class={`sb-select console__status-select console__status--${state.status}`}
            aria-label="Status"
            value={state.status}
            onChange={(e) => void model.setStatus(e.currentTarget.value as AgentStatus)}
          >
            <option value="online">Online</option>
            <option value="away">Away</option>
            <option value="offline">Offline</option>
          </select>
        </label>
        {supervisor ? (
          <Button
            variant="secondary"
            small
            aria-pressed={reports}
            onClick={() => model.showReports(!state.reports)}
          >
            Reports
          </Button>
        ) : null}
        <Button variant="secondary" small onClick={onSignOut}>
          Sign out
        </Button>
      </header>
      <Invitations model={model} invitations={state.invitations} />
      <div class="console__body">
        <nav class="console__side" aria-label="Chats and queue">
          <ChatList model={model} state={state} />
          <QueuePanel queue={state.queue} settings={state.settings} names={state.names} />
        </nav>
        <main class="console__main">
          <ErrorNote message={state.error} />
          {reports ? (
            <ReportsPanel
              client={model.client}
              onlyRooms={state.agent.rooms ?? []}
              class="console__reports"
            />
          ) : selected ? (
            <Conversation
              key={selected.chat.id}
              model={model}
              view={selected}
              settings={state.settings}
              names={state.names}
            />
          ) : (
            <div class="console__empty">
              <h2>No chat open</h2>
              <p class="sb-hint">New chats arrive as invitations at the top. Accept one to start.</p>
            </div>
          )}
        </main>
        {selected && !reports ? <VisitorPanel view={selected} settings={state.settings} /> : null}
      </div>
    </div>
  );
}
