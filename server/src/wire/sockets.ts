import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { User } from './user.ts';

/**
 * The frames of the two sockets, `/v1/ws` (docs/realtime.md) and `/v1/stream` (docs/stream.md), as
 * schemas: what `/v1/asyncapi.json` publishes and the SDK's socket types are generated from. The
 * gateways build these frames by hand for speed (one encoding per event for every socket); the
 * AsyncAPI test holds the two together.
 */

export const Cursor = Type.String({
  description: 'Opaque resume point: reconnect with `cursor=` set to the last one handled',
});

/** A client's request id, echoed in its ack (`null` when the frame had no usable id). */
export const RequestId = Type.Union([Type.Number(), Type.String({ minLength: 1, maxLength: 100 })]);

/** The body of a refused request or of a stream error frame: the REST error's status and message. */
export const SocketError = Type.Object({
  code: Type.Integer({ description: 'The HTTP status the REST twin would answer' }),
  message: Type.String(),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  retryAfter: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'With code 429: seconds until the request may succeed (Retry-After)',
    }),
  ),
});
export type SocketError = Static<typeof SocketError>;

/** First frame of `/v1/ws`: who the socket is (`null`: the app server), where its stream starts. */
export const WsSessionData = Type.Object({
  user: Type.Union([User, Type.Null()]),
  cursor: Cursor,
  heartbeat: Type.Integer({ description: 'Ping period in seconds' }),
});
export type WsSessionData = Static<typeof WsSessionData>;

/** First frame of `/v1/stream`: the app, the triggers it carries, where it starts. */
export const StreamSessionData = Type.Object({
  appId: Type.String(),
  events: Type.Array(Type.String()),
  cursor: Cursor,
  heartbeat: Type.Integer({ description: 'Ping period in seconds' }),
});

export const sessionFrame = (data: TSchema) => Type.Object({ event: Type.Literal('session'), data });

/** The replay after `cursor=` is done: live events follow. */
export const ResumedFrame = Type.Object({
  event: Type.Literal('resumed'),
  data: Type.Object({ replayed: Type.Integer() }),
  cursor: Cursor,
});

/** The cursor cannot be resumed (unknown, another app's, past retention): refetch, carry on from `cursor`. */
export const ResyncFrame = Type.Object({ event: Type.Literal('resync-required'), cursor: Cursor });

/** An event on `/v1/ws`: `{"event", "data", "cursor"}`. */
export function wsEventFrame(trigger: string, data: TSchema) {
  return Type.Object({ event: Type.Literal(trigger), data, cursor: Cursor });
}

/** An event on `/v1/stream`: the webhook envelope plus the event's id and cursor. */
export function streamEventFrame(trigger: string, data: TSchema) {
  return Type.Object({
    trigger: Type.Literal(trigger),
    appId: Type.String(),
    data,
    created_at: Type.Integer({ description: 'Unix seconds' }),
    id: Type.String({ description: 'The event id (the webhook-id of a webhook delivery of it)' }),
    cursor: Cursor,
  });
}

/** A client request on `/v1/ws`. */
export function requestFrame(name: string, data: TSchema) {
  return Type.Object({ id: RequestId, event: Type.Literal(name), data });
}

/** A request's answer: its REST twin's response body. */
export const ackFrame = (data: TSchema) => Type.Object({ ack: RequestId, data });

/** A refused request: the REST twin's error (a frame without a usable id is answered with `ack: null`). */
export const AckErrorFrame = Type.Object({ ack: Type.Union([RequestId, Type.Null()]), error: SocketError });

/** The stream's answer to a `chats:assign` question, within 5 s: the chosen agent, or none. */
export const AssignReplyFrame = Type.Object({
  reply: Type.String({ description: 'The `id` of the chats:assign frame answered' }),
  data: Type.Object({ agentId: Type.Optional(Type.String()) }),
});

/** A refused stream frame or query (`events=`). */
export const StreamErrorFrame = Type.Object({ error: SocketError });

/** Close codes of both sockets; the gateways close with these numbers (realtime/options.ts). */
export const CLOSE_CODES = {
  goingAway: {
    code: 1001,
    sockets: ['ws', 'stream'],
    meaning: 'The server is stopping: reconnect with your cursor',
  },
  badRequest: {
    code: 1008,
    sockets: ['stream'],
    meaning: 'A bad `events` or query value (after an error frame)',
  },
  tooBig: { code: 1009, sockets: ['ws', 'stream'], meaning: 'A client frame over 64 KB' },
  internal: { code: 1011, sockets: ['ws', 'stream'], meaning: 'The server failed opening the session' },
  slowConsumer: {
    code: 1013,
    sockets: ['ws', 'stream'],
    meaning: 'Too many unsent bytes queued for the socket: resume with your cursor',
  },
  badCredentials: {
    code: 4001,
    sockets: ['ws', 'stream'],
    meaning: 'No, wrong or expired credentials (also when they stop being valid): do not reconnect as is',
  },
  rateLimited: { code: 4008, sockets: ['ws', 'stream'], meaning: 'Client frames faster than the rate limit' },
} as const;
