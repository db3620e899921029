import type { WebSocket } from 'ws';
import { CLOSE_GOING_AWAY } from './options.ts';

/**
 * Closes a socket because the server is stopping (1001, so the client reconnects elsewhere with its
 * cursor) and resolves once it is closed; a peer that does not answer the close within a second is
 * cut. `finish` releases what the connection holds. Shared by the gateway and the event stream.
 */
export function closeForShutdown(ws: WebSocket, finish: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    ws.once('close', () => resolve());
    const cut = setTimeout(() => ws.terminate(), 1000);
    cut.unref();
    ws.once('close', () => clearTimeout(cut));
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING)
      ws.close(CLOSE_GOING_AWAY, 'Server shutting down');
    finish();
  });
}
