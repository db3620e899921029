import { RealtimeConnection, type RealtimeOptions } from './realtime.ts';
import { createRestApi, type RestApi } from './rest.ts';
import { EventStream, type StreamOptions } from './stream.ts';
import { type ClientOptions, createTransport, type QueryValue } from './transport.ts';

export type { BackoffOptions } from './backoff.ts';
export { SwitchboardError } from './errors.ts';
export type {
  ConnectionEventData,
  EventData,
  EventMeta,
  RealtimeEventData,
  RealtimeEventName,
  RealtimeRequestName,
  RealtimeRequests,
  RealtimeTrigger,
  Trigger,
  WebhookEnvelope,
} from './events.ts';
export { TRIGGERS } from './events.ts';
export type { paths } from './generated/openapi.ts';
export { RealtimeConnection, type RealtimeOptions } from './realtime.ts';
export type { RestApi } from './rest.ts';
export {
  type AssignQuestion,
  EventStream,
  type StreamConnectionEvents,
  type StreamEvent,
  type StreamOptions,
} from './stream.ts';
export type { ClientOptions, QueryValue } from './transport.ts';
export type * from './types.ts';

export interface Client extends RestApi {
  readonly options: Readonly<ClientOptions>;
  /**
   * Any route below `/v1` (`client.request('get', '/chats', {query: {status: 'waiting'}})`), resolving
   * with the parsed JSON body; a non-2xx rejects with `SwitchboardError`.
   */
  request<T = unknown>(
    method: string,
    path: string,
    options?: { query?: Record<string, QueryValue>; body?: unknown },
  ): Promise<T>;
  /** A realtime connection (`/v1/ws`, a user's or agent's token), opened at once. */
  realtime(options?: RealtimeOptions): RealtimeConnection;
  /** The event stream (`/v1/stream`, the app secret) as an async iterator; Node and other server runtimes. */
  stream(options?: StreamOptions): EventStream;
}

/** A client of one Switchboard server, with one set of credentials (sdk/README.md). */
export function createClient(options: ClientOptions): Client {
  const transport = createTransport(options);
  return {
    ...createRestApi(transport),
    options,
    request: <T>(
      method: string,
      path: string,
      request: { query?: Record<string, QueryValue>; body?: unknown } = {},
    ) => transport.request(method, path, request) as Promise<T>,
    realtime: (realtimeOptions) => new RealtimeConnection(transport, realtimeOptions),
    stream: (streamOptions) => new EventStream(transport, streamOptions),
  };
}
