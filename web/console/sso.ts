import { createClient } from '../src/lib/sdk.ts';
import type { SavedSession } from './model.ts';

/** The app (and domain key) a tab left with for the provider, so it can finish when it comes back. */
const PENDING = 'switchboard.console.sso';

export interface SsoTarget {
  appId: string;
  domainKey: string | undefined;
}

/** What the callback put in the fragment (docs/security.md, "Single sign-on"): a one-time code, or why not. */
export type SsoReturn = { code: string } | { error: string };

const clientFor = (target: SsoTarget) =>
  createClient({
    baseUrl: location.origin,
    appId: target.appId,
    ...(target.domainKey ? { domainKey: target.domainKey } : {}),
  });

/** Whether the app signs its agents in with SSO; undefined when that cannot be known (no such app). */
export async function ssoOf(target: SsoTarget): Promise<{ enabled: boolean; required: boolean } | undefined> {
  try {
    return (await clientFor(target).agents.sso()).sso;
  } catch {
    return undefined;
  }
}

/** Leaves for the app's provider (a navigation: the server answers with a redirect). */
export function leaveForProvider(target: SsoTarget): void {
  sessionStorage.setItem(PENDING, JSON.stringify(target));
  location.assign(clientFor(target).agents.ssoStartUrl());
}

/**
 * The callback's answer, read once: the fragment is removed from the address at once, so the code is
 * neither kept in history nor shown, and a reload does not try it again.
 */
export function takeSsoReturn(): SsoReturn | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const code = fragment.get('sso');
  const error = fragment.get('ssoError');
  if (code === null && error === null) return undefined;
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  return code !== null ? { code } : { error: error ?? '' };
}

/** The tab's pending target, else the app the callback named (`?appId=`). */
export function returningTarget(): SsoTarget | undefined {
  const saved = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const appId = new URLSearchParams(location.search).get('appId');
  if (saved) {
    const parsed: unknown = JSON.parse(saved);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'appId' in parsed &&
      typeof parsed.appId === 'string'
    ) {
      const key =
        'domainKey' in parsed && typeof parsed.domainKey === 'string' ? parsed.domainKey : undefined;
      if (!appId || appId === parsed.appId) return { appId: parsed.appId, domainKey: key };
    }
  }
  return appId ? { appId, domainKey: undefined } : undefined;
}

/** The one-time code → the same session a password sign-in gives. */
export async function finishSso(target: SsoTarget, code: string): Promise<SavedSession> {
  const result = await clientFor(target).agents.ssoSession({ code });
  return { baseUrl: location.origin, appId: target.appId, token: result.session.token, agent: result.user };
}

/** The refusals the callback names (server: sso/login.ts), in the agent's words. */
export function ssoRefusal(error: string): string {
  switch (error) {
    case 'unknown-agent':
      return 'Single sign-on worked, but no agent of this app has your e-mail address. Ask your admin to add you.';
    case 'email':
      return 'Your identity provider did not send a verified e-mail address, so you cannot be signed in.';
    case 'denied':
      return 'The sign-in was cancelled at your identity provider.';
    case 'disabled':
      return 'This app no longer signs in with SSO.';
    case 'expired':
      return 'The sign-in took too long or was already used. Try again.';
    default:
      return 'Your identity provider’s answer could not be verified. Try again, or ask your admin.';
  }
}
