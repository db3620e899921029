import { useState } from 'preact/hooks';
import { AgentsPanel } from './AgentsPanel.tsx';
import { AppsPanel } from './AppsPanel.tsx';
import { LivePanel } from './LivePanel.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { type AdminSession, SignIn } from './SignIn.tsx';
import { Tabs } from './Tabs.tsx';
import { WebhooksPanel } from './WebhooksPanel.tsx';

const APP_TABS = ['Settings', 'Agents', 'Webhooks', 'Live'] as const;

/** The admin: the operator's apps (admin key), or one app's settings, agents, webhooks and live view (secret). */
export function AdminApp() {
  const [session, setSession] = useState<AdminSession | undefined>(undefined);
  const [tab, setTab] = useState<(typeof APP_TABS)[number]>('Settings');
  if (!session) return <SignIn onSignedIn={setSession} />;
  const signOut = () => setSession(undefined);
  const title = session.kind === 'app' ? session.app.name : 'Apps';
  return (
    <div class="sb-app admin">
      <header class="admin__header">
        <h1 class="admin__brand">Switchboard admin</h1>
        <span class="admin__context">
          {title}
          {session.kind === 'app' ? <code class="admin__id">{session.app.id}</code> : null}
        </span>
        <button type="button" class="sb-btn sb-btn--secondary sb-btn--small" onClick={signOut}>
          Sign out
        </button>
      </header>
      {session.kind === 'operator' ? (
        <main class="admin__main">
          <AppsPanel session={session} onOpen={setSession} />
        </main>
      ) : (
        <>
          <Tabs tabs={APP_TABS} current={tab} onChange={setTab} />
          <main class="admin__main">
            <div id="admin-panel" role="tabpanel" aria-label={tab}>
              {tab === 'Settings' ? <SettingsPanel session={session} /> : null}
              {tab === 'Agents' ? <AgentsPanel client={session.client} /> : null}
              {tab === 'Webhooks' ? <WebhooksPanel client={session.client} /> : null}
              {tab === 'Live' ? <LivePanel client={session.client} /> : null}
            </div>
          </main>
        </>
      )}
    </div>
  );
}
