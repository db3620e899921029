import {
  type Client,
  type EventData,
  type RealtimeRequests,
  TRIGGERS,
  type Trigger,
  type WebhookEnvelope,
} from '../src/index.ts';

/**
 * Type-level checks, run by `npm run typecheck` (never executed): event handlers and socket requests
 * are typed end to end from the generated AsyncAPI types, and a wrong field does not compile.
 */
export function typedRealtime(client: Client): void {
  const realtime = client.realtime();
  realtime.on('messages:new', (data, meta) => {
    const id: string = data.message.id;
    const seq: number = data.message.seq;
    const kind: 'text' | 'media' | 'object' | 'system' = data.message.type;
    const cursor: string | undefined = meta.cursor;
    // @ts-expect-error a message has no `text` field
    data.message.text;
    void [id, seq, kind, cursor];
  });
  realtime.on('users:activity', (data) => {
    // @ts-expect-error `typing` is not an activity type
    const wrong: typeof data.type = 'typing';
    void wrong;
  });
  realtime.on('connected', (session) => {
    const heartbeat: number = session.heartbeat;
    void heartbeat;
  });
  // @ts-expect-error no such event
  realtime.on('messages:deleted', () => {});
  // @ts-expect-error chats:assign is a question for app servers (the event stream), never sent to a socket
  realtime.on('chats:assign', () => {});

  void realtime.request('messages:new', { chatId: 'c1', message: 'Hello' }).then((ack) => {
    const id: string = ack.message.id;
    void id;
  });
  // @ts-expect-error messages:read takes a messageId, not a chatId
  void realtime.request('messages:read', { chatId: 'c1' });
  // @ts-expect-error no such request
  void realtime.request('messages:delete', {});
}

export function typedEnvelope(envelope: WebhookEnvelope): string {
  if (envelope.trigger === 'chats:close') return envelope.data.chatId;
  if (envelope.trigger === 'messages:new') return envelope.data.message.sender;
  return envelope.trigger;
}

// The generated maps and the exported names agree.
const everyTrigger: readonly Trigger[] = TRIGGERS;
type Close = EventData['chats:close']['extraData'];
const extra: Close = { reason: 'disconnected' };
type Ping = RealtimeRequests['ping']['result'];
const pong: Ping = {};
void [everyTrigger, extra, pong];
