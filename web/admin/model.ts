import { type App, type Client, createClient } from '../src/lib/sdk.ts';
import { Store } from '../src/lib/store.ts';

/** Who is signed in: one app (its id and secret), or the operator (the instance's admin key). */
export type AdminSession =
  | { kind: 'app'; client: Client; app: App; appId: string; secret: string }
  | { kind: 'operator'; client: Client; adminKey: string };

export const APP_TABS = ['Settings', 'Agents', 'Webhooks', 'Live', 'Hours', 'Canned responses'] as const;
export type AdminTab = (typeof APP_TABS)[number];

export interface AdminState {
  session: AdminSession | undefined;
  tab: AdminTab;
}

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
    this.store.update({ session: { kind: 'app', client, app, appId: app.id, secret } });
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
    this.store.update({ session: { kind: 'app', client, app, appId: app.id, secret } });
  }

  showTab(tab: AdminTab): void {
    this.store.update({ tab });
  }

  signOut(): void {
    this.store.update({ session: undefined });
  }
}

/** The operator's client: the admin key travels as `x-hyper-admin` (docs/conventions.md). */
export function adminClient(adminKey: string): Client {
  return createClient({ baseUrl: location.origin, appId: '', adminKey });
}
