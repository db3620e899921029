import type { Socket } from 'node:net';
import { type ClientOptions, WebSocket, WebSocketServer } from 'ws';

/** A real WebSocket over 127.0.0.1: the server's end (with its TCP socket) and a client that keeps what it gets. */
export interface SocketPair {
  server: WebSocket;
  stream: Socket;
  client: WebSocket;
  /** Text frames the client received, in order. */
  received: string[];
  /** Resolves with the close code the client saw. */
  closed: Promise<number>;
  close(): Promise<void>;
}

export async function socketPair(clientOptions: ClientOptions = {}): Promise<SocketPair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected address');
  const accepted = new Promise<{ ws: WebSocket; stream: Socket }>((resolve) =>
    wss.once('connection', (ws, request) => resolve({ ws, stream: request.socket as Socket })),
  );
  const client = new WebSocket(`ws://127.0.0.1:${address.port}`, clientOptions);
  const received: string[] = [];
  client.on('message', (data) => received.push(data.toString()));
  client.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => client.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const { ws, stream } = await accepted;
  return {
    server: ws,
    stream,
    client,
    received,
    closed,
    async close() {
      client.terminate();
      ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Resolves once `check` holds, polling every 10 ms; fails after `ms`. */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
