import { Type } from '@sinclair/typebox';
import type { App } from '../../apps/apps.ts';
import { internal, notFound } from '../../util/errors.ts';
import type { Presented } from '../operation.ts';

export const Domains = Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 100 });
export const AppParams = Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) });
export const SettingsResponse = Type.Object({ settings: Type.Record(Type.String(), Type.Unknown()) });

export const notFoundApp = () => notFound('App not found');

/** The operator sees every app; an app's secret sees only its own. */
export function visibleAppId(credentials: Presented, appId: string): string {
  if (credentials.kind === 'secret' && credentials.app.id !== appId) throw notFoundApp();
  return appId;
}

/** The app of app credentials (the route admits no others). */
export function appOfCredentials(credentials: Presented): App {
  if (credentials.kind === 'none' || credentials.kind === 'admin')
    throw internal('route accepts credentials it does not handle');
  return credentials.app;
}
