import type { App } from '../apps/apps.ts';
import type { SsoSettings } from '../apps/sso-settings.ts';
import { forbidden } from '../util/errors.ts';

/** The app's single sign-on when it is configured and on (docs/security.md, "Single sign-on"). */
export function ssoOf(app: App): SsoSettings | undefined {
  return app.settings.sso?.enabled ? app.settings.sso : undefined;
}

/** `sso.required`: agents sign in through the provider only, so a password login is refused (403). */
export function requirePasswordSignIn(app: App): void {
  if (ssoOf(app)?.required) throw forbidden('This app requires single sign-on: use "Sign in with SSO"');
}
