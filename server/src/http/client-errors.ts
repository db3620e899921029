import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Requests Node's HTTP parser refuses before Fastify ever sees them — headers too large, a bad
 * Content-Length, Content-Length beside Transfer-Encoding, broken chunks, a request that took too
 * long to arrive — still answer in the error envelope of docs/conventions.md, then the connection closes
 * (after a framing error nothing more on it can be trusted).
 */
const BY_CODE: Record<string, { status: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive' },
  HPE_HEADER_OVERFLOW: { status: 431, message: 'The request headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, message: 'The chunk extensions are too large' },
  HPE_INVALID_CONTENT_LENGTH: { status: 400, message: 'Malformed HTTP request: invalid Content-Length' },
  HPE_UNEXPECTED_CONTENT_LENGTH: {
    status: 400,
    message: 'Malformed HTTP request: Content-Length together with Transfer-Encoding',
  },
  HPE_INVALID_TRANSFER_ENCODING: {
    status: 400,
    message: 'Malformed HTTP request: invalid Transfer-Encoding',
  },
  HPE_INVALID_CHUNK_SIZE: { status: 400, message: 'Malformed HTTP request: invalid chunk size' },
};

export function clientErrorAnswer(code: string | undefined): { status: number; message: string } {
  return (code && BY_CODE[code]) || { status: 400, message: 'Malformed HTTP request' };
}

/** Fastify's `clientErrorHandler` (bound to the instance): the raw socket gets a whole answer. */
export function answerClientError(
  this: { log: FastifyBaseLogger },
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = clientErrorAnswer(error.code);
  this.log.debug({ err: error }, 'refused a malformed request');
  // Never write into a response that has already begun (Node's own rule for this event).
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: status, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // A peer that never reads must not keep the socket: it goes a second later whatever happens.
  setTimeout(() => socket.destroy(), 1000).unref();
}
