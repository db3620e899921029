import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { StoredEvent } from '../events/catalog.ts';
import { liveFrame } from './frames.ts';
import { CLOSE_SLOW_CONSUMER } from './options.ts';
import { closeSocket, sendFrame, socketState } from './socket.ts';
import { releaseTokenSocket } from './sockets-cap.ts';
import type { Connection, Gateway } from './state.ts';

/** One socket's life on the gateway: created on upgrade, fed by the hub, dropped or finished once. */

export function newConnection(gateway: Gateway, ws: WebSocket, stream: Socket): Connection {
  const connection: Connection = {
    ...socketState(ws, stream, gateway.options.rateLimit.burst),
    appId: '',
    credential: undefined,
    user: null,
    keys: [],
    position: 0,
    backlog: [],
    inbox: [],
    processing: false,
    counted: false,
    countedToken: false,
    receive: (event) => receive(gateway, connection, event),
  };
  return connection;
}

/** An event of its stream from the hub: held while it opens, else sent once, in order. */
function receive(gateway: Gateway, connection: Connection, event: StoredEvent): void {
  if (connection.phase === 'closed') return;
  if (connection.phase === 'opening') {
    connection.backlog.push(event);
    if (connection.backlog.length > gateway.options.maxBacklog) slowConsumer(gateway, connection);
    return;
  }
  if (event.position <= connection.position) return;
  connection.position = event.position;
  send(gateway, connection, liveFrame(event));
}

export function send(
  gateway: Gateway,
  connection: Connection,
  text: string | Buffer,
  onFlushed?: (error?: Error) => void,
): boolean {
  return sendFrame(
    connection,
    text,
    gateway.options.maxBufferedBytes,
    () => slowConsumer(gateway, connection),
    onFlushed,
  );
}

/** Closes the socket with `code` and releases it at once (a socket already closing is left to its close). */
export function drop(gateway: Gateway, connection: Connection, code: number, reason: string): void {
  if (closeSocket(connection.ws, code, reason)) finish(gateway, connection);
}

function slowConsumer(gateway: Gateway, connection: Connection): void {
  drop(gateway, connection, CLOSE_SLOW_CONSUMER, 'Slow consumer: reconnect with your cursor');
}

/** Leaves the hub and presence at once, so nothing more is queued for a socket that is going. */
export function finish(gateway: Gateway, connection: Connection): void {
  if (connection.phase === 'closed') return;
  connection.phase = 'closed';
  connection.backlog = [];
  connection.inbox = [];
  gateway.connections.delete(connection);
  gateway.hub.leave(connection.appId, connection);
  if (connection.counted && connection.user)
    gateway.presence.disconnected(connection.appId, connection.user.id);
  connection.counted = false;
  releaseTokenSocket(gateway, connection);
}
