import { type Agent, type App, type Client, createClient } from '../src/lib/sdk.ts';
import { Store } from '../src/lib/store.ts';

/**
 * Who is signed in: one app — with its id and secret (operators, tools) or as an admin person of it
 * (`person`, its session token: docs/people.md) — or the operator (the instance's admin key).
 */
export type AdminSession =
  | { kind: 'app'; client: Client; app: App; appId: string; person?: Agent }
  | { kind: 'operator'; client: Client; adminKey: string };

/** In the order of docs/web.md's admin tabs. */
export const APP_TABS = [
  'Settings',
  'Agents',
  'Webhooks',
  'Live',
  'Reports',
  'Surveys',
  'Hours',
  'Canned responses',
  'Audit',
] as const;
export type AdminTab = (typeof APP_TABS)[number];

export interface AdminState {
  session: AdminSession | undefined;
  tab: AdminTab;
}

/** A person who signed in correctly but may not manage the app (not an admin). */
export class NotAnAdmin extends Error {}

/**
 * The admin's state and the actions that change it (the web apps' one pattern, web/README.md): the
 * views read `store` and call these methods; a panel's own table or form stays in the panel.
 */
export class AdminModel {
  readonly store = new Store<AdminState>({ session: undefined, tab: 'Settings' });

  /** Checks the id and secret by reading the app; rejects (401/404) when they are wrong. */
  async signInWithSecret(appId: string, secret: string): Promise<void> {
    const client = createClient({ baseUrl: location.origin, appId, secret });
    const { app } = await client.apps.get(appId);
    this.store.update({ session: { kind: 'app', client, app, appId: app.id } });
  }

  /**
   * Signs a person in with its contact and password (the app id, and the domain key from `?key=` when
   * the app requires it, as the console does). `online: false`: managing the app does not make the
   * person available for chats. Rejects with NotAnAdmin for anyone but an admin, whose token then
   * goes unused (its status was left as it was).
   */
  async signInAsPerson(appId: string, contact: string, password: string): Promise<void> {
    const domainKey = new URLSearchParams(location.search).get('key') ?? undefined;
    const door = createClient({ baseUrl: location.origin, appId, ...(domainKey ? { domainKey } : {}) });
    const { user, session } = await door.agents.login({ contact, password, online: false });
    if (user.role !== 'admin') {
      throw new NotAnAdmin(
        `${user.name} is ${user.role === 'supervisor' ? 'a supervisor' : 'an agent'}, not an admin: only an admin may manage the app. Ask an admin, or use the app secret.`,
      );
    }
    const client = createClient({ baseUrl: location.origin, appId, token: session.token });
    const { app } = await client.apps.get(appId);
    this.store.update({ session: { kind: 'app', client, app, appId: app.id, person: user } });
  }

  /** Checks the admin key by listing the apps; rejects (401) when it is wrong. */
  async signInWithKey(adminKey: string): Promise<void> {
    const client = adminClient(adminKey);
    await client.apps.list();
    this.store.update({ session: { kind: 'operator', client, adminKey } });
  }

  /** The operator opens an app just created, with its secret. */
  openApp(app: App, secret: string): void {
    const client = createClient({ baseUrl: location.origin, appId: app.id, secret });
    this.store.update({ session: { kind: 'app', client, app, appId: app.id } });
  }

  /**
   * The app secret was rotated: a page signed in with the secret carries on with the new one (the old
   * one stops at the end of its grace). A person's page keeps its token.
   */
  adoptSecret(secret: string): void {
    const session = this.store.state.session;
    if (session?.kind !== 'app' || session.person) return;
    const client = createClient({ baseUrl: location.origin, appId: session.appId, secret });
    this.store.update({ session: { ...session, client } });
  }

  showTab(tab: AdminTab): void {
    this.store.update({ tab });
  }

  /**
   * Forgets the credentials. A person's session is also ended on the server when the person is offline
   * (`POST /agents/logout`, which sets the status offline): one working in the console at the same time
   * keeps its status, and its token here is simply dropped.
   */
  async signOut(): Promise<void> {
    const session = this.store.state.session;
    this.store.update({ session: undefined, tab: 'Settings' });
    if (session?.kind !== 'app' || !session.person) return;
    try {
      const { agent } = await session.client.agents.get(session.person.id);
      if (agent.status === 'offline') await session.client.agents.logout();
    } catch {
      // Signing out of the page always works, even with the server gone.
    }
  }
}

/** The operator's client: the admin key travels as `x-hyper-admin` (docs/conventions.md). */
export function adminClient(adminKey: string): Client {
  return createClient({ baseUrl: location.origin, appId: '', adminKey });
}
