import { Type } from '@sinclair/typebox';
import type { App } from '../../apps/apps.ts';
import { SettingsSchema } from '../../apps/settings.ts';
import { SsoSettingsView } from '../../apps/sso-settings.ts';
import { internal, notFound } from '../../util/errors.ts';
import type { Presented } from '../operation.ts';

export const Domains = Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 100 });
export const AppParams = Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) });
const BROWSER_SETTINGS = ['rooms', 'langs', 'queue'] as const;
/** The settings as the routes answer them: browser credentials read only rooms, langs and queue. */
export const SettingsResponse = Type.Object({
  settings: Type.Composite([
    Type.Pick(SettingsSchema, BROWSER_SETTINGS),
    Type.Partial(Type.Omit(SettingsSchema, [...BROWSER_SETTINGS, 'sso'])),
    Type.Object({ sso: Type.Optional(SsoSettingsView) }),
  ]),
});

export const notFoundApp = () => notFound('App not found');

/** The operator sees every app; an app's secret (or an admin person of it) sees only its own. */
export function visibleAppId(credentials: Presented, appId: string): string {
  if (credentials.kind !== 'admin' && credentials.kind !== 'none' && credentials.app.id !== appId)
    throw notFoundApp();
  return appId;
}

/** The app of app credentials (the route admits no others). */
export function appOfCredentials(credentials: Presented): App {
  if (credentials.kind === 'none' || credentials.kind === 'admin')
    throw internal('route accepts credentials it does not handle');
  return credentials.app;
}
