import { useState } from 'preact/hooks';
import { useStore } from '../src/lib/store.ts';
import { ReportsPanel } from '../src/reports/ReportsPanel.tsx';
import { AgentsPanel } from './AgentsPanel.tsx';
import { AppsPanel } from './AppsPanel.tsx';
import { AuditPanel } from './AuditPanel.tsx';
import { CannedPanel } from './CannedPanel.tsx';
import { HoursPanel } from './HoursPanel.tsx';
import { LivePanel } from './LivePanel.tsx';
import { AdminModel, APP_TABS } from './model.ts';
import { SettingsPanel } from './SettingsPanel.tsx';
import { SignIn } from './SignIn.tsx';
import { SurveysPanel } from './SurveysPanel.tsx';
import { Tabs } from './Tabs.tsx';
import { WebhooksPanel } from './WebhooksPanel.tsx';

/** The admin: the operator's apps (admin key), or one app's settings, agents, webhooks and live view (secret or an admin person). */
export function AdminApp() {
  const [model] = useState(() => new AdminModel());
  const { session, tab } = useStore(model.store);
  if (!session) return <SignIn model={model} />;
  const title = session.kind === 'app' ? session.app.name : 'Apps';
  return (
    <div class="sb-app admin">
      <header class="admin__header">
        <h1 class="admin__brand">Switchboard admin</h1>
        <span class="admin__context">
          {title}
          {session.kind === 'app' ? <code class="admin__id">{session.app.id}</code> : null}
          {session.kind === 'app' && session.person ? (
            <span class="admin__person">Signed in as {session.person.name}</span>
          ) : null}
        </span>
        <button
          type="button"
          class="sb-btn sb-btn--secondary sb-btn--small"
          onClick={() => void model.signOut()}
        >
          Sign out
        </button>
      </header>
      {session.kind === 'operator' ? (
        <main class="admin__main">
          <AppsPanel client={session.client} onOpen={(app, secret) => model.openApp(app, secret)} />
        </main>
      ) : (
        <>
          <Tabs tabs={APP_TABS} current={tab} onChange={(next) => model.showTab(next)} />
          <main class="admin__main">
            <div id="admin-panel" role="tabpanel" aria-label={tab}>
              {tab === 'Settings' ? (
                <SettingsPanel session={session} onSecretRotated={(secret) => model.adoptSecret(secret)} />
              ) : null}
              {tab === 'Agents' ? <AgentsPanel client={session.client} /> : null}
              {tab === 'Webhooks' ? <WebhooksPanel client={session.client} /> : null}
              {tab === 'Live' ? <LivePanel client={session.client} /> : null}
              {tab === 'Reports' ? (
                <ReportsPanel client={session.client} canExport class="admin__section" />
              ) : null}
              {tab === 'Surveys' ? <SurveysPanel client={session.client} /> : null}
              {tab === 'Hours' ? <HoursPanel client={session.client} /> : null}
              {tab === 'Canned responses' ? <CannedPanel client={session.client} /> : null}
              {tab === 'Audit' ? <AuditPanel client={session.client} /> : null}
            </div>
          </main>
        </>
      )}
    </div>
  );
}
