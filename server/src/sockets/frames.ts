import { encodeCursor } from './cursor.ts';

/** The control frames both gateways send (`/v1/ws` and `/v1/stream`): session, resync, resumed. */

/** The first frame of a socket: who it is, where its stream starts, the heartbeat period in seconds. */
export function sessionFrame(data: Record<string, unknown>): string {
  return JSON.stringify({ event: 'session', data });
}

/** The cursor given cannot be resumed (unknown, another app's, past retention): start again at `head`. */
export function resyncFrame(appId: string, head: number): string {
  return JSON.stringify({ event: 'resync-required', cursor: encodeCursor(appId, head) });
}

/** The replay after a cursor is done: `replayed` events were sent, live events follow. */
export function resumedFrame(appId: string, replayed: number, position: number): string {
  return JSON.stringify({ event: 'resumed', data: { replayed }, cursor: encodeCursor(appId, position) });
}
