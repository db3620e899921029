import type { SocketState } from './socket.ts';

/**
 * WebSocket heartbeats for both gateways: every period each open socket is pinged; a socket that let
 * two pings in a row go unanswered (so silent for two to three periods) is cut, and `onDead` releases
 * what it holds. `onBeat` runs for each socket still alive (the event stream re-checks its secret).
 */
export interface HeartbeatOptions<S extends SocketState> {
  periodMs: number;
  sockets: () => Iterable<S>;
  onDead: (socket: S) => void;
  onBeat?: (socket: S) => void;
  /** Runs at each beat before the sockets are visited. */
  beforeBeat?: () => void;
}

export function startHeartbeat<S extends SocketState>(options: HeartbeatOptions<S>): { stop(): void } {
  const timer = setInterval(() => {
    options.beforeBeat?.();
    for (const socket of options.sockets()) {
      const { ws } = socket;
      if (ws.readyState !== ws.OPEN) continue;
      if (socket.awaitingPong) {
        socket.missedPongs++;
        if (socket.missedPongs >= 2) {
          ws.terminate();
          options.onDead(socket);
          continue;
        }
      }
      socket.awaitingPong = true;
      ws.ping();
      options.onBeat?.(socket);
    }
  }, options.periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** A pong (or any answer to a ping) clears the socket's missed-pong count. */
export function listenForPongs(socket: SocketState): void {
  socket.ws.on('pong', () => {
    socket.awaitingPong = false;
    socket.missedPongs = 0;
  });
}
