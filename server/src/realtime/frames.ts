import type { RawData } from 'ws';
import type { StoredEvent } from '../events/catalog.ts';
import { statusOf } from '../http/status.ts';
import { DomainError } from '../util/errors.ts';
import type { SocketError } from '../wire/sockets.ts';
import { encodeCursor } from './cursor.ts';
import type { LogEntry } from './log.ts';

/**
 * The frames of `/v1/ws` (docs/realtime.md). Server → client: `{"event","data","cursor"}` per event,
 * control frames (`session`, `resync-required`, `resumed`, also sent by the event stream), and
 * `{"ack": id, "data"|"error"}` answers. Client → server: `{"id","event","data"}` requests.
 */

const live = new WeakMap<StoredEvent, Buffer>();

/** The frame of a live event, built and encoded once for all its sockets (a room's agents may be hundreds). */
export function liveFrame(event: StoredEvent): Buffer {
  let frame = live.get(event);
  if (frame === undefined) {
    frame = Buffer.from(
      JSON.stringify({
        event: event.trigger,
        data: event.data,
        cursor: encodeCursor(event.appId, event.position),
      }),
    );
    live.set(event, frame);
  }
  return frame;
}

/** The frame of a replayed event: the same bytes as its live frame, with the stored data spliced in. */
export function replayFrame(appId: string, entry: LogEntry): string {
  return `{"event":${JSON.stringify(entry.trigger)},"data":${entry.data},"cursor":${JSON.stringify(encodeCursor(appId, entry.position))}}`;
}

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

/** An error as a socket sees it: the status and message of a client error, else a bare 500. */
export function errorBody(error: unknown): SocketError {
  if (error instanceof DomainError) {
    return {
      code: statusOf(error),
      message: error.message,
      ...(error.details && error.details.length > 0 ? { details: error.details } : {}),
      // A rate cap's 429 says when to try again, as REST's Retry-After does.
      ...(error.headers?.['retry-after'] ? { retryAfter: Number(error.headers['retry-after']) } : {}),
    };
  }
  return { code: 500, message: 'Internal server error' };
}

export function ackFrame(id: number | string | null, body: { data: unknown } | { error: unknown }): string {
  return JSON.stringify({ ack: id, ...body });
}

export interface RequestFrame {
  id: number | string;
  event: string;
  data: unknown;
}

/** A client frame as a request, or the ack frame that refuses it (with the id when it had a valid one). */
export function parseRequest(raw: RawData, isBinary: boolean): RequestFrame | { refusal: string } {
  const refuse = (id: number | string | null, error: SocketError) => ({ refusal: ackFrame(id, { error }) });
  if (isBinary) return refuse(null, { code: 400, message: 'Frames must be JSON text' });
  let frame: unknown;
  try {
    frame = JSON.parse(raw.toString());
  } catch {
    return refuse(null, { code: 400, message: 'Frame is not valid JSON' });
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame))
    return refuse(null, { code: 400, message: 'A frame is a JSON object {"id", "event", "data"}' });
  const { id, event, data } = frame as { id?: unknown; event?: unknown; data?: unknown };
  const validId =
    (typeof id === 'number' && Number.isFinite(id)) ||
    (typeof id === 'string' && id.length > 0 && id.length <= 100);
  if (!validId) {
    return refuse(null, {
      code: 400,
      message: 'Invalid request: id must be a number or a string',
      details: [{ field: 'id', message: 'must be a number or a non-empty string' }],
    });
  }
  const ackId = id as number | string;
  if (typeof event !== 'string' || event === '') {
    return refuse(ackId, {
      code: 400,
      message: 'Invalid request: event must be a string',
      details: [{ field: 'event', message: 'must be string' }],
    });
  }
  return { id: ackId, event, data };
}
