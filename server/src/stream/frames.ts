import type { RawData } from 'ws';
import { isTrigger, type StoredEvent, TRIGGERS, type Trigger } from '../events/catalog.ts';
import { encodeCursor } from '../realtime/cursor.ts';
import type { SocketError } from '../wire/sockets.ts';

/**
 * Frames of the event stream (docs/stream.md). An event frame is the webhook envelope (docs/webhooks.md)
 * plus `id` (the event id, the `webhook-id` of a webhook delivery of the same event) and `cursor`.
 * Control frames (`session`, `resumed`, `resync-required`) carry `event` instead of `trigger`.
 */

/** Every trigger but `chats:assign`, which is a question to answer and must be asked for. */
export const DEFAULT_TRIGGERS: readonly Trigger[] = TRIGGERS.filter((t) => t !== 'chats:assign');

/** The triggers of an `events=` query value, or the problem with it. */
export function parseTriggers(raw: unknown): Set<Trigger> | SocketError {
  if (raw === undefined || raw === '') return new Set(DEFAULT_TRIGGERS);
  const bad = (message: string): SocketError => ({
    code: 400,
    message: `Invalid events: ${message}`,
    details: [{ field: 'events', message }],
  });
  if (typeof raw !== 'string') return bad('give it once, as a comma-separated list of triggers');
  if (raw.length > 1000) return bad('too long');
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isTrigger(name));
  if (unknown.length > 0)
    return bad(`unknown trigger ${unknown.map((n) => JSON.stringify(n.slice(0, 40))).join(', ')}`);
  return new Set(names as Trigger[]);
}

const frames = new WeakMap<StoredEvent, Buffer>();

/** The frame of a live event, encoded once for every stream of its app. */
export function liveFrame(event: StoredEvent): Buffer {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = Buffer.from(
      JSON.stringify({
        trigger: event.trigger,
        appId: event.appId,
        data: event.data,
        created_at: event.created,
        id: event.id,
        cursor: encodeCursor(event.appId, event.position),
      }),
    );
    frames.set(event, frame);
  }
  return frame;
}

export interface ReplayRow {
  id: string;
  position: number;
  trigger: string;
  /** The event's data as stored (JSON text), spliced in as is. */
  data: string;
  created: number;
}

/** The frame of a replayed event: the same bytes as its live frame would be. */
export function replayFrame(appId: string, row: ReplayRow): string {
  return `{"trigger":${JSON.stringify(row.trigger)},"appId":${JSON.stringify(appId)},"data":${row.data},"created_at":${row.created},"id":${JSON.stringify(row.id)},"cursor":${JSON.stringify(encodeCursor(appId, row.position))}}`;
}

export function errorFrame(problem: SocketError): string {
  return JSON.stringify({ error: problem });
}

/** A client frame: the only one a stream takes is `{"reply": "<chats:assign id>", "data": {…}}`. */
export function parseReply(raw: RawData, isBinary: boolean): { reply: string; data: unknown } | SocketError {
  if (isBinary) return { code: 400, message: 'Frames must be JSON text' };
  let frame: unknown;
  try {
    frame = JSON.parse(raw.toString());
  } catch {
    return { code: 400, message: 'Frame is not valid JSON' };
  }
  const reply = (frame as { reply?: unknown } | null)?.reply;
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || typeof reply !== 'string') {
    return {
      code: 400,
      message: 'The only frame a stream takes is {"reply": "<chats:assign id>", "data": {"agentId"}}',
      details: [{ field: 'reply', message: 'must be the id of a chats:assign frame' }],
    };
  }
  return { reply, data: (frame as { data?: unknown }).data };
}
