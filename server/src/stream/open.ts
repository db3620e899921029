import { encodeCursor } from '../realtime/cursor.ts';
import { resumedFrame, resyncFrame, sessionFrame } from '../realtime/frames.ts';
import { replay, resumePoint } from '../realtime/replay.ts';
import { isClosed } from '../realtime/socket.ts';
import type { StreamConnection } from './connection.ts';
import { replayFrame } from './frames.ts';
import { eventsAfter } from './log.ts';
import type { StreamGateway } from './state.ts';

/**
 * Opens an authenticated stream: joins the app's feed before reading anything (live events wait in its
 * backlog), sends the session, replays after the cursor (realtime/replay.ts), then goes live.
 */
export async function openStream(
  gateway: StreamGateway,
  connection: StreamConnection,
  rawCursor: unknown,
): Promise<void> {
  const { ctx, hub, options } = gateway;
  const { appId } = connection;
  hub.join(appId, connection);
  const head = await hub.start(appId);
  if (isClosed(connection)) return hub.leave(appId, connection);
  const cursor = typeof rawCursor === 'string' ? rawCursor : undefined;
  const resume = await resumePoint(ctx.store.db, appId, cursor, head, options.retentionMs);
  // Anything but one string (an array) cannot be a cursor: the client must start again.
  const resync = resume.resync || (cursor === undefined && rawCursor !== undefined);
  if (isClosed(connection)) return;
  connection.position = resume.from ?? head;
  await gateway.asker.joined(connection);
  if (isClosed(connection)) return;
  connection.send(
    sessionFrame({
      appId,
      events: [...connection.triggers],
      cursor: encodeCursor(appId, connection.position),
      heartbeat: Math.round(options.heartbeatMs / 1000),
    }),
  );
  if (resync) connection.send(resyncFrame(appId, head));
  if (resume.from !== undefined) {
    const replayed = await replay(connection, {
      db: () => ctx.store.db,
      read: (after, upTo, limit) => eventsAfter(ctx.store.db, appId, connection.triggers, after, upTo, limit),
      frame: (row) => replayFrame(appId, row),
      send: (frame, onFlushed) => connection.send(frame, onFlushed),
      maxBufferedBytes: options.maxBufferedBytes,
    });
    if (isClosed(connection)) return;
    connection.send(resumedFrame(appId, replayed, connection.position));
  }
  if (isClosed(connection)) return;
  connection.phase = 'live';
  const backlog = connection.backlog;
  connection.backlog = [];
  for (const event of backlog) connection.receive(event);
}
