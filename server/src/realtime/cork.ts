import type { Socket } from 'node:net';

/**
 * Sockets corked until the code sending to them is done (a microtask later). One commit often brings
 * several events for the same sockets (a chat created: `chats:create` and `queues:update` to every
 * agent of the room), and a replay sends hundreds of frames in one go; corked, each socket gets them
 * in one write instead of one system call per frame. A microtask, not the next tick: the frames must
 * not wait for unrelated work queued meanwhile. Shared by the gateway and the event stream.
 */
let corked: Socket[] = [];

function uncorkAll(): void {
  const streams = corked;
  corked = [];
  for (const stream of streams) stream.uncork();
}

export function corkForTurn(stream: Socket): void {
  if (stream.writableCorked > 0) return; // corked already
  stream.cork();
  if (corked.push(stream) === 1) queueMicrotask(uncorkAll);
}
