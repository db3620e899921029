import type { Db } from '../store/database.ts';
import { decodeCursor } from './cursor.ts';
import { appHead, resumable } from './log.ts';
import { isClosed, type SocketState } from './socket.ts';

/**
 * Resume (docs/realtime.md; the event stream alike). A socket joins its app's feed before it reads
 * anything, so live events arriving while it replays wait in its backlog; the replay reads the store
 * after the client's cursor until it is caught up, then the backlog is flushed without what the replay
 * already sent (by position). Nothing falls between, nothing is sent twice.
 */

/** Where a cursor resumes: after `from`, or nowhere (`resync`: unknown, another app's, past retention). */
export interface ResumePoint {
  from: number | undefined;
  resync: boolean;
}

export async function resumePoint(
  db: Db,
  appId: string,
  cursor: string | undefined,
  head: number,
  retentionMs: number,
): Promise<ResumePoint> {
  if (cursor === undefined || cursor === '') return { from: undefined, resync: false };
  const position = decodeCursor(appId, cursor);
  if (position !== undefined && (await resumable(db, appId, position, head, retentionMs)))
    return { from: position, resync: false };
  return { from: undefined, resync: true };
}

/** A socket being replayed to: its position advances with each frame sent. */
export interface Replaying extends SocketState {
  appId: string;
  position: number;
}

export interface ReplaySource<R extends { position: number }> {
  db: () => Db;
  /** The socket's rows with `after < position <= upTo`, oldest first, at most `limit`. */
  read(after: number, upTo: number, limit: number): Promise<R[]>;
  frame(row: R): string;
  /** Sends a frame; with `onFlushed`, reports when it is written out (or why not). */
  send(frame: string, onFlushed?: (error?: Error) => void): boolean;
  maxBufferedBytes: number;
}

export const REPLAY_BATCH = 500;

/** Sends every row of the socket's stream after its position, from the store, until caught up. */
export async function replay<R extends { position: number }>(
  socket: Replaying,
  source: ReplaySource<R>,
): Promise<number> {
  let replayed = 0;
  for (;;) {
    const head = await appHead(source.db(), socket.appId);
    const batch = await source.read(socket.position, head, REPLAY_BATCH);
    for (const row of batch) {
      if (isClosed(socket)) return replayed;
      const frame = source.frame(row);
      // Backpressure: past half the budget, wait until this frame is written out rather than queue a
      // whole history in memory (a peer that stops reading is dropped by the heartbeat).
      const sent =
        socket.ws.bufferedAmount > source.maxBufferedBytes / 2
          ? await new Promise<boolean>((resolve) => {
              if (!source.send(frame, (error) => resolve(!error))) resolve(false);
            })
          : source.send(frame);
      if (!sent) return replayed;
      socket.position = row.position;
      replayed++;
    }
    if (batch.length < REPLAY_BATCH) {
      socket.position = Math.max(socket.position, head);
      return replayed;
    }
  }
}
