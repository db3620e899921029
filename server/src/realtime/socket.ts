import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { corkForTurn } from './cork.ts';

/**
 * The transport side of one WebSocket, the same for the realtime gateway and the event stream: the
 * socket, its phase, its token bucket for client frames and its heartbeat marks. Each gateway's
 * connection extends it with what it subscribes to.
 */
export interface SocketState {
  readonly ws: WebSocket;
  /** The TCP socket under `ws`, corked while a turn's frames for it are being written. */
  readonly stream: Socket;
  phase: 'opening' | 'live' | 'closed';
  tokens: number;
  refilled: number;
  awaitingPong: boolean;
  missedPongs: number;
}

export function socketState(ws: WebSocket, stream: Socket, burst: number): SocketState {
  return {
    ws,
    stream,
    phase: 'opening',
    tokens: burst,
    refilled: Date.now(),
    awaitingPong: false,
    missedPongs: 0,
  };
}

/** Whether a socket went away; read through a call because awaits in between may have closed it. */
export const isClosed = (socket: SocketState): boolean => socket.phase === 'closed';

/**
 * Writes a text frame, corked for the turn (cork.ts). A socket with more than `maxBufferedBytes` queued
 * is a slow consumer: `onSlow` drops it and nothing is written. `onFlushed` hears when the frame is out.
 */
export function sendFrame(
  socket: SocketState,
  text: string | Buffer,
  maxBufferedBytes: number,
  onSlow: () => void,
  onFlushed?: (error?: Error) => void,
): boolean {
  const { ws } = socket;
  if (ws.readyState !== ws.OPEN) {
    onFlushed?.(new Error('closed'));
    return false;
  }
  if (ws.bufferedAmount > maxBufferedBytes) {
    onSlow();
    onFlushed?.(new Error('slow consumer'));
    return false;
  }
  corkForTurn(socket.stream);
  ws.send(text, { binary: false }, onFlushed);
  return true;
}

/** Starts a close; false when the socket is closing already. A peer that never answers is cut after 1 s. */
export function closeSocket(ws: WebSocket, code: number, reason: string): boolean {
  if (ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING) return false;
  ws.close(code, reason);
  setTimeout(() => ws.terminate(), 1000).unref();
  return true;
}

/** Takes one client frame from the socket's token bucket (`burst` at once, `perSecond` sustained). */
export function takeToken(socket: SocketState, rate: { burst: number; perSecond: number }): boolean {
  const now = Date.now();
  socket.tokens = Math.min(rate.burst, socket.tokens + ((now - socket.refilled) / 1000) * rate.perSecond);
  socket.refilled = now;
  if (socket.tokens < 1) return false;
  socket.tokens -= 1;
  return true;
}
