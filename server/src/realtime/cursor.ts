import { inRange } from '../limits/ranges.ts';

/**
 * Realtime cursors (docs/realtime.md): opaque to clients. Inside, the app and the event's per-app
 * `position` (gap-free, in commit order), so "every event after the cursor" is a range query and a
 * cursor of another app or of another database is recognised instead of silently misread.
 */
const VERSION = '1';

export function encodeCursor(appId: string, position: number): string {
  return Buffer.from(`${VERSION}:${appId}:${position}`).toString('base64url');
}

/** The position a cursor stands for in `appId`, or undefined when it is not a cursor of this app. */
export function decodeCursor(appId: string, cursor: string): number | undefined {
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const [version, app, position, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (rest.length > 0 || version !== VERSION || app !== appId || !position || !/^\d{1,16}$/.test(position))
    return undefined;
  return inRange('position', Number(position)) ? Number(position) : undefined;
}
