import { useEffect, useState } from 'preact/hooks';
import type { AgentStatus, User } from '../src/lib/sdk.ts';
import { useStore } from '../src/lib/store.ts';
import { ReportsPanel } from '../src/reports/ReportsPanel.tsx';
import { Banner, Button, ErrorNote } from '../src/ui/index.ts';
import { ChatList } from './ChatList.tsx';
import { Conversation } from './Conversation.tsx';
import { History } from './History.tsx';
import './history.css';
import { Invitations } from './Invitations.tsx';
import { MonitorView } from './Monitor.tsx';
import type { ConsoleModel } from './model.ts';
import { QueuePanel } from './QueuePanel.tsx';
import { type ConsoleTab, supervises } from './state.ts';
import { VisitorPanel } from './VisitorPanel.tsx';

/** The signed-in console: header (status, sign out), invitations, chats and queue, the chat, its visitor. */
export function Workspace({ model, onSignOut }: { model: ConsoleModel; onSignOut: () => void }) {
  const state = useStore(model.store);
  const selected = state.selected ? state.chats[state.selected] : undefined;
  const [canAsk, setCanAsk] = useState(() => model.notifier.canAsk());
  // The view follows the address (#history, #monitor), so Back returns to the previous one…
  useEffect(() => {
    const onHash = () => model.showTab(tabOf(location.hash, viewsOf(model.store.state.agent)));
    onHash();
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [model]);
  // …and the address follows the view when the model changes it (an intervention opens the chat); the
  // chats, the console's home, keep a bare address.
  useEffect(() => {
    const hash = state.tab === 'chats' ? '' : `#${state.tab}`;
    if (location.hash !== hash)
      history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  }, [state.tab]);

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
        <nav class="console__views" aria-label="Views">
          {viewsOf(state.agent).map((tab) => (
            <a
              key={tab}
              class="console__view-link"
              href={`#${tab}`}
              aria-current={state.tab === tab ? 'page' : undefined}
            >
              {VIEW_NAMES[tab]}
            </a>
          ))}
        </nav>
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
        {canAsk ? (
          <Button
            variant="secondary"
            small
            onClick={async () => {
              setCanAsk(false);
              await model.notifier.ask();
            }}
          >
            Enable notifications
          </Button>
        ) : null}
        <Button variant="secondary" small onClick={onSignOut}>
          Sign out
        </Button>
      </header>
      <Invitations model={model} invitations={state.invitations} />
      {state.tab === 'monitor' ? (
        <>
          <ErrorNote message={state.error} />
          <MonitorView model={model} state={state} />
        </>
      ) : state.tab === 'reports' ? (
        <main class="console__reports">
          <ReportsPanel client={model.client} onlyRooms={state.agent.rooms ?? []} />
        </main>
      ) : state.tab === 'history' ? (
        <History model={model} settings={state.settings} names={state.names} />
      ) : (
        <div class="console__body">
          <nav class="console__side" aria-label="Chats and queue">
            <ChatList model={model} state={state} />
            <QueuePanel queue={state.queue} settings={state.settings} names={state.names} />
          </nav>
          <main class="console__main">
            <ErrorNote message={state.error} />
            {selected ? (
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
          {selected ? <VisitorPanel view={selected} settings={state.settings} /> : null}
        </div>
      )}
    </div>
  );
}

const VIEW_NAMES: Record<ConsoleTab, string> = {
  chats: 'Chats',
  history: 'History',
  monitor: 'Monitor',
  reports: 'Reports',
};

/**
 * The views this person has: the Monitor is for those who oversee rooms, and a supervisor reads the
 * reports of its rooms here (an admin has them in the admin app).
 */
function viewsOf(agent: User): ConsoleTab[] {
  if (agent.role === 'supervisor') return ['chats', 'history', 'monitor', 'reports'];
  return supervises(agent) ? ['chats', 'history', 'monitor'] : ['chats', 'history'];
}

function tabOf(hash: string, views: ConsoleTab[]): ConsoleTab {
  return views.find((view) => `#${view}` === hash) ?? 'chats';
}
