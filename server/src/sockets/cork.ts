import type { Socket } from 'node:net';

/**
 * Sockets corked until the code sending to them is done (a microtask later). One commit often brings
 * several events for the same sockets (a chat created: `chats:create` and `queues:update` to every
 * agent of the room), and a replay sends hundreds of frames in one go; corked, each socket gets them
 * in one write instead of one system call per frame. A microtask, not the next tick: the frames must
 * not wait for unrelated work queued meanwhile. Shared by the gateway and the event stream.
 */
export function corkForTurn(stream: Socket): void {
  if (stream.writableCorked > 0) return; // corked already, its uncork queued
  stream.cork();
  queueMicrotask(() => stream.uncork());
}
