import { createHmac } from 'node:crypto';

/**
 * The secret `switchboard listen` signs forwarded events with: derived from the app's own secret, so
 * it is the same on every run (a local receiver configures it once), differs per app, and nobody
 * without the app secret can compute it. Nothing is stored on disk.
 */
export function localSecret(appId: string, appSecret: string): string {
  const key = createHmac('sha256', appSecret)
    .update(`switchboard listen local secret v1:${appId}`)
    .digest('base64');
  return `whsec_${key}`;
}
