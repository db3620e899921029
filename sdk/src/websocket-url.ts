import { type QueryValue, queryString } from './transport.ts';

/** `http(s)://host` + `/v1/…` → `ws(s)://host/v1/…?query`. */
export function websocketUrl(origin: string, path: string, query: Record<string, QueryValue>): string {
  return `${origin.replace(/^http/, 'ws')}/v1${path}${queryString(query)}`;
}

/** The standard WebSocket constructor (global in browsers and Node ≥ 22), replaceable in options. */
export type WebSocketClass = new (url: string) => WebSocket;

export function defaultWebSocket(): WebSocketClass {
  const ctor = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!ctor) throw new TypeError('no global WebSocket: pass one in the options (`WebSocket`)');
  return ctor;
}
