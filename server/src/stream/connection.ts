import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { StoredEvent, Trigger } from '../events/catalog.ts';
import type { HeldCredential } from '../policies/credentials.ts';
import type { RealtimeOptions } from '../realtime/options.ts';
import { isClosed, type SocketState, sendFrame, socketState } from '../realtime/socket.ts';
import { liveFrame } from './frames.ts';

/** One event stream socket: the app it opened with, the triggers it asked for, where its stream is. */
export interface StreamConnection extends SocketState {
  appId: string;
  /** The app secret it opened with, checked again at each answer and heartbeat. */
  credential: HeldCredential;
  triggers: ReadonlySet<Trigger>;
  /** Position of the last event of the app it was given (or where its stream starts). */
  position: number;
  /** Live events held while it replays; flushed after, without what the replay sent. */
  backlog: StoredEvent[];
  send(text: string | Buffer, onFlushed?: (error?: Error) => void): boolean;
  /** An event of its app from the hub, in order. */
  receive(event: StoredEvent): void;
}

/** A new stream socket; `onSlow` drops it when it reads too slowly (1013). */
export function newStreamConnection(
  ws: WebSocket,
  stream: Socket,
  options: RealtimeOptions,
  onSlow: (connection: StreamConnection) => void,
): StreamConnection {
  const connection: StreamConnection = {
    ...socketState(ws, stream, options.rateLimit.burst),
    appId: '',
    credential: { kind: 'secret', secret: '' },
    triggers: new Set(),
    position: 0,
    backlog: [],
    send: (text, onFlushed) =>
      sendFrame(connection, text, options.maxBufferedBytes, () => onSlow(connection), onFlushed),
    receive(event) {
      if (isClosed(connection)) return;
      if (connection.phase === 'opening') {
        connection.backlog.push(event);
        if (connection.backlog.length > options.maxBacklog) onSlow(connection);
        return;
      }
      if (event.position <= connection.position) return;
      connection.position = event.position;
      // chats:assign rows are records of questions already asked (asker.ts), not events to hand on.
      if (event.trigger !== 'chats:assign' && connection.triggers.has(event.trigger))
        connection.send(liveFrame(event));
    },
  };
  return connection;
}
