import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json } from './harness.ts';

/** One request a test receiver got. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes, exactly as sent. */
  body: Buffer;
  /** The body parsed as JSON, or undefined. */
  json: Json | undefined;
  /** Date.now() when the request had fully arrived. */
  at: number;
}

export type ReceiverHandler = (request: Received, response: ServerResponse) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 standing in for a webhook target. */
export interface Receiver {
  url: string;
  port: number;
  /** Every request, handshakes included, in arrival order. */
  received: Received[];
  /** What it answers; replace it at will. The default: handshake echo, else 200 `{}`. */
  handler: ReceiverHandler;
  /** Requests that are deliveries (no `X-Hook-Secret` header). */
  deliveries(): Received[];
  /** Requests that are handshakes. */
  handshakes(): Received[];
  close(): Promise<void>;
}

/** Answers the handshake by echoing `X-Hook-Secret`; returns true when the request was one. */
export function answerHandshake(request: Received, response: ServerResponse): boolean {
  const secret = request.headers['x-hook-secret'];
  if (typeof secret !== 'string') return false;
  response.writeHead(200, { 'x-hook-secret': secret, 'content-type': 'application/json' });
  response.end('{}');
  return true;
}

export function reply(
  response: ServerResponse,
  status: number,
  body = '{}',
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(body);
}

/** A handler that answers handshakes, then lets `deliver` answer everything else. */
export function withHandshake(deliver: ReceiverHandler): ReceiverHandler {
  return (request, response) => {
    if (answerHandshake(request, response)) return;
    return deliver(request, response);
  };
}

export const okHandler: ReceiverHandler = withHandshake((_request, response) => reply(response, 200));

export async function startReceiver(
  handler: ReceiverHandler = okHandler,
  host = '127.0.0.1',
): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    handler,
    deliveries: () => receiver.received.filter((r) => r.headers['x-hook-secret'] === undefined),
    handshakes: () => receiver.received.filter((r) => r.headers['x-hook-secret'] !== undefined),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: Json | undefined;
      try {
        json = JSON.parse(body.toString('utf8')) as Json;
      } catch {
        json = undefined;
      }
      const request: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        at: Date.now(),
      };
      receiver.received.push(request);
      Promise.resolve(receiver.handler(request, res)).catch(() => {
        if (!res.headersSent) reply(res, 500, '{"error":"handler failed"}');
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  receiver.port = port;
  receiver.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return receiver;
}
