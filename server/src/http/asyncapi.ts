import type { TSchema } from '@sinclair/typebox';
import { EVENT_DATA, TRIGGERS } from '../events/catalog.ts';
import { REQUESTS } from '../operations/realtime.ts';
import { Chat, ChatWithFields } from '../wire/chat.ts';
import { AssignCandidate } from '../wire/events.ts';
import { HistoryEntry, MediaRef, Message } from '../wire/message.ts';
import {
  AckErrorFrame,
  AssignReplyFrame,
  ackFrame,
  CLOSE_CODES,
  ResumedFrame,
  ResyncFrame,
  requestFrame,
  SocketError,
  StreamErrorFrame,
  StreamSessionData,
  sessionFrame,
  streamEventFrame,
  WsSessionData,
  wsEventFrame,
} from '../wire/sockets.ts';
import { User } from '../wire/user.ts';

/**
 * `GET /v1/asyncapi.json`: the AsyncAPI 3 document of the two sockets, `/v1/ws` and `/v1/stream`,
 * built from the schemas the server uses (wire/events.ts, wire/sockets.ts, the operations' realtime
 * twins). The SDK's event and request types are generated from it (`npm run generate --workspace sdk`).
 *
 * Naming: a trigger or request name `a:b` gives the schema `AB…` and the message `ws.event.a.b` (keys
 * of components allow no colon); each message's `name` is the name on the wire.
 */

type Json = Record<string, unknown>;

const pascal = (name: string) =>
  name
    .split(/[:\-_.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
const key = (name: string) => name.replaceAll(':', '.');
const ref = (kind: 'schemas' | 'messages', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

/** Wire objects, referenced by name wherever they occur inside another schema. */
const WIRE_OBJECTS: ReadonlyArray<[string, TSchema]> = [
  ['MediaRef', MediaRef],
  ['Message', Message],
  ['HistoryEntry', HistoryEntry],
  ['User', User],
  ['Chat', Chat],
  ['ChatWithFields', ChatWithFields],
  ['AssignCandidate', AssignCandidate],
  ['SocketError', SocketError],
];

/** Every schema of the document's components: the wire objects, each event's data, each request's data and result. */
function namedSchemas(): Map<string, TSchema> {
  const named = new Map<string, TSchema>(WIRE_OBJECTS);
  for (const trigger of TRIGGERS) named.set(dataName(trigger), EVENT_DATA[trigger]);
  named.set('WsSessionData', WsSessionData);
  named.set('StreamSessionData', StreamSessionData);
  for (const [name, request] of Object.entries(REQUESTS)) {
    named.set(requestName(name), request.schema);
    named.set(resultName(name), request.response);
  }
  return named;
}

const dataName = (trigger: string) => `${pascal(trigger)}Data`;
const requestName = (name: string) => `${pascal(name)}Request`;
const resultName = (name: string) => `${pascal(name)}Result`;

/** A schema as plain JSON, each wire object inside it replaced by its `$ref`. */
function referencing(byContent: Map<string, string>) {
  const walk = (node: unknown, root: boolean): unknown => {
    if (Array.isArray(node)) return node.map((item) => walk(item, false));
    if (typeof node !== 'object' || node === null) return node;
    if (!root) {
      const name = byContent.get(JSON.stringify(node));
      if (name !== undefined) return ref('schemas', name);
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, false);
    return out;
  };
  return (schema: unknown) => walk(JSON.parse(JSON.stringify(schema)), true);
}

export function buildAsyncApi(version: string): Json {
  const named = namedSchemas();
  // Compared by content: TypeBox may copy a schema it composes.
  const byContent = new Map(WIRE_OBJECTS.map(([name, schema]) => [JSON.stringify(schema), name]));
  const toJson = referencing(byContent);
  const schemas: Json = {};
  for (const [name, schema] of named) schemas[name] = toJson(schema);

  const messages: Json = {};
  const wsMessages: Json = {};
  const streamMessages: Json = {};
  const operations: Json = {};
  const message = (
    id: string,
    channel: Json,
    body: { name: string; title: string; summary?: string; payload: unknown; [k: string]: unknown },
    data?: string,
  ) => {
    const payload = toJson(body.payload) as { properties: Json };
    // The frame's `data` points at its named schema (two triggers may share a shape, not a name).
    if (data !== undefined) payload.properties.data = ref('schemas', data);
    messages[id] = { ...body, payload };
    channel[id] = ref('messages', id);
  };
  const channelMessage = (channel: 'ws' | 'stream', id: string) => ({
    $ref: `#/channels/${channel}/messages/${id}`,
  });

  // Server → client, /v1/ws.
  message(
    'ws.session',
    wsMessages,
    {
      name: 'session',
      title: 'Session',
      summary: 'First frame of every connection',
      payload: sessionFrame(WsSessionData),
    },
    'WsSessionData',
  );
  for (const trigger of TRIGGERS) {
    if (trigger === 'chats:assign') continue; // never sent to /v1/ws (docs/realtime.md)
    message(
      `ws.event.${key(trigger)}`,
      wsMessages,
      {
        name: trigger,
        title: trigger,
        summary: `The ${trigger} event`,
        'x-trigger': trigger,
        payload: wsEventFrame(trigger, EVENT_DATA[trigger]),
      },
      dataName(trigger),
    );
  }
  message('ws.resumed', wsMessages, {
    name: 'resumed',
    title: 'Resumed',
    summary: 'The replay after cursor= is complete',
    payload: ResumedFrame,
  });
  message('ws.resync-required', wsMessages, {
    name: 'resync-required',
    title: 'Resync required',
    summary: 'The cursor cannot be resumed: refetch over REST, carry on from the new cursor',
    payload: ResyncFrame,
  });
  message('ws.error', wsMessages, {
    name: 'error',
    title: 'Error ack',
    summary: 'A refused request: the status and message its REST twin would answer',
    payload: AckErrorFrame,
  });
  const serverSends = (channel: 'ws' | 'stream', id: string, ids: string[], summary: string) => {
    operations[id] = {
      action: 'send',
      channel: { $ref: `#/channels/${channel}` },
      summary,
      messages: ids.map((m) => channelMessage(channel, m)),
    };
  };
  serverSends(
    'ws',
    'ws.events',
    Object.keys(wsMessages).filter((id) => id !== 'ws.error'),
    'Session, events, resume and resync frames',
  );

  // Client → server requests on /v1/ws, each answered by an ack or an error ack.
  for (const [name, request] of Object.entries(REQUESTS)) {
    const requestId = `ws.request.${key(name)}`;
    const ackId = `ws.ack.${key(name)}`;
    message(
      requestId,
      wsMessages,
      {
        name,
        title: `${name} request`,
        summary: request.summary,
        'x-request': name,
        payload: requestFrame(name, request.schema),
      },
      requestName(name),
    );
    message(
      ackId,
      wsMessages,
      {
        name: `${name} ack`,
        title: `${name} ack`,
        summary: `The answer to ${name}: its REST twin's response body`,
        'x-request': name,
        payload: ackFrame(request.response),
      },
      resultName(name),
    );
    operations[requestId] = {
      action: 'receive',
      channel: { $ref: '#/channels/ws' },
      summary: request.summary,
      description: `Error acks carry one of the statuses ${request.errorStatuses.join(', ')} (or 500).`,
      'x-errors': [...request.errorStatuses],
      messages: [channelMessage('ws', requestId)],
      reply: {
        channel: { $ref: '#/channels/ws' },
        messages: [channelMessage('ws', ackId), channelMessage('ws', 'ws.error')],
      },
    };
  }

  // /v1/stream.
  message(
    'stream.session',
    streamMessages,
    {
      name: 'session',
      title: 'Session',
      summary: 'First frame of every stream',
      payload: sessionFrame(StreamSessionData),
    },
    'StreamSessionData',
  );
  for (const trigger of TRIGGERS) {
    message(
      `stream.event.${key(trigger)}`,
      streamMessages,
      {
        name: trigger,
        title: trigger,
        summary: `The ${trigger} webhook envelope, with its id and cursor`,
        'x-trigger': trigger,
        payload: streamEventFrame(trigger, EVENT_DATA[trigger]),
      },
      dataName(trigger),
    );
  }
  message('stream.resumed', streamMessages, {
    name: 'resumed',
    title: 'Resumed',
    summary: 'The replay after cursor= is complete',
    payload: ResumedFrame,
  });
  message('stream.resync-required', streamMessages, {
    name: 'resync-required',
    title: 'Resync required',
    summary: 'The cursor cannot be resumed: carry on from the new cursor',
    payload: ResyncFrame,
  });
  message('stream.error', streamMessages, {
    name: 'error',
    title: 'Error',
    summary: 'A refused frame or query value',
    payload: StreamErrorFrame,
  });
  message('stream.reply', streamMessages, {
    name: 'reply',
    title: 'chats:assign reply',
    summary: 'The answer to a chats:assign frame, within 5 s',
    payload: AssignReplyFrame,
  });
  serverSends(
    'stream',
    'stream.events',
    Object.keys(streamMessages).filter((id) => id !== 'stream.reply'),
    'Session, webhook envelopes, resume, resync and error frames',
  );
  operations['stream.reply'] = {
    action: 'receive',
    channel: { $ref: '#/channels/stream' },
    summary: 'Answer a chats:assign question with the chosen agent',
    messages: [channelMessage('stream', 'stream.reply')],
  };

  const closeCodes = (socket: 'ws' | 'stream') =>
    Object.values(CLOSE_CODES)
      .filter((c) => (c.sockets as readonly string[]).includes(socket))
      .map(({ code, meaning }) => ({ code, meaning }));
  const closeText = (socket: 'ws' | 'stream') =>
    closeCodes(socket)
      .map((c) => `${c.code}: ${c.meaning}`)
      .join('; ');

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Switchboard realtime API',
      version,
      description:
        'The two WebSockets of Switchboard: `/v1/ws` (users, agents and the app server: events of their chats, requests with acks) and `/v1/stream` (the app server: every event as its webhook envelope). REST: /v1/openapi.json, /docs.',
    },
    defaultContentType: 'application/json',
    channels: {
      ws: {
        address: '/v1/ws',
        title: 'Realtime',
        description: `Query: appId, token (or secret), cursor. Close codes: ${closeText('ws')}. Guide: docs/realtime.md.`,
        'x-close-codes': closeCodes('ws'),
        messages: wsMessages,
        bindings: {
          ws: {
            query: {
              type: 'object',
              properties: {
                appId: { type: 'string' },
                token: { type: 'string' },
                secret: { type: 'string' },
                cursor: { type: 'string' },
              },
            },
          },
        },
      },
      stream: {
        address: '/v1/stream',
        title: 'Event stream',
        description: `Headers x-hyper-appid and x-hyper-secret; query: events (comma-separated triggers, default all but chats:assign), cursor. Close codes: ${closeText('stream')}. Guide: docs/stream.md.`,
        'x-close-codes': closeCodes('stream'),
        messages: streamMessages,
        bindings: {
          ws: {
            query: {
              type: 'object',
              properties: { events: { type: 'string' }, cursor: { type: 'string' } },
            },
          },
        },
      },
    },
    operations,
    components: { schemas, messages },
  };
}
