import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { statusOf } from '../http/status.ts';
import type { Actor } from '../policies/actor.ts';
import {
  actorOfPrincipal,
  checkBrowserOrigin,
  headerValue,
  heldCredential,
  presentedCredentials,
  resolvePrincipal,
} from '../policies/credentials.ts';
import { DomainError, isDomainError, unauthorized } from '../util/errors.ts';
import { drop, finish, newConnection, send } from './connection.ts';
import { encodeCursor } from './cursor.ts';
import { sessionUser } from './domain.ts';
import { replayFrame, resumedFrame, resyncFrame, sessionFrame } from './frames.ts';
import { listenForPongs } from './heartbeat.ts';
import { onClientFrame, pump } from './inbox.ts';
import { streamAfter } from './log.ts';
import {
  CLOSE_BAD_CREDENTIALS,
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL,
  CLOSE_RATE_LIMITED,
  closeReason,
} from './options.ts';
import { replay, resumePoint } from './replay.ts';
import { checkAfterHandshake } from './revocation.ts';
import { isClosed } from './socket.ts';
import { holdTokenSocket } from './sockets-cap.ts';
import type { Connection, Gateway } from './state.ts';
import { EVERYTHING, keysOf } from './subscriptions.ts';

/**
 * From upgrade to live: the socket is registered (so its frames queue and its close is heard), its
 * credentials resolved like a REST request's (header or query; a browser held to the app's domains),
 * it joins the hub before reading anything, then gets its session frame, its replay after `cursor` if
 * any, and goes live with what arrived meanwhile.
 */
export async function accept(gateway: Gateway, ws: WebSocket, request: FastifyRequest): Promise<void> {
  const connection = newConnection(gateway, ws, request.raw.socket);
  gateway.connections.add(connection);
  ws.on('message', (data, isBinary) => onClientFrame(gateway, connection, data, isBinary));
  listenForPongs(connection);
  ws.on('close', () => finish(gateway, connection));
  if (gateway.closing) {
    drop(gateway, connection, CLOSE_GOING_AWAY, 'Server shutting down');
    return;
  }
  const startedAt = Date.now();
  const actor = await authenticate(gateway, connection, request);
  if (!actor || isClosed(connection)) return;
  if (!holdTokenSocket(gateway, connection)) {
    drop(gateway, connection, CLOSE_RATE_LIMITED, 'Too many open sockets for this token');
    return;
  }
  // A revocation heard while the token was being read may have come after the read: check again.
  connection.user = actor.user;
  checkAfterHandshake(gateway, connection, actor.app.id, startedAt);
  const cursor = (request.query as Record<string, unknown> | undefined)?.cursor;
  await open(gateway, connection, actor, typeof cursor === 'string' ? cursor : undefined);
}

/** The actor of the upgrade, or undefined after closing it (4001 for bad credentials). */
async function authenticate(
  gateway: Gateway,
  connection: Connection,
  request: FastifyRequest,
): Promise<Actor | undefined> {
  try {
    const presented = presentedCredentials(request.headers, request.query);
    const principal = await resolvePrincipal(gateway.lookup, gateway.adminKey, presented);
    // A browser's socket is held to the app's domains like its REST calls.
    checkBrowserOrigin(principal, headerValue(request.headers, 'origin'), String(request.headers.host ?? ''));
    const actor = actorOfPrincipal(principal);
    if (!actor) throw unauthorized('A user token or the app secret is required');
    connection.credential = heldCredential(principal, presented);
    return actor;
  } catch (error) {
    // Wrong credentials count against the address; once past the limit, upgrades get 429 (http/throttle.ts).
    if (isDomainError(error, 'unauthenticated')) await gateway.throttle?.credentialsFailed(request.ip);
    if (error instanceof DomainError && statusOf(error) < 500) {
      drop(gateway, connection, CLOSE_BAD_CREDENTIALS, closeReason(error.message));
    } else {
      gateway.log.error({ err: error }, 'realtime: handshake failed');
      drop(gateway, connection, CLOSE_INTERNAL, 'Internal server error');
    }
    return undefined;
  }
}

async function open(gateway: Gateway, connection: Connection, actor: Actor, cursor: string | undefined) {
  const { ctx, hub, options } = gateway;
  const { app } = actor;
  connection.appId = app.id;
  connection.user = actor.user;
  connection.keys = keysOf(actor.user);
  hub.join(app.id, connection);
  if (actor.user) {
    // Presence first: a `reconnected` this connection causes is part of what it replays, always.
    connection.counted = true;
    await gateway.presence.connected(app.id, actor.user.id);
    if (isClosed(connection)) return;
  }
  try {
    const head = await hub.start(app.id);
    const resume = await resumePoint(ctx.store.db, app.id, cursor, head, options.retentionMs);
    connection.position = resume.from ?? head;
    const user = await sessionUser(ctx, app, actor.user);
    if (isClosed(connection)) return;
    const heartbeat = Math.round(options.heartbeatMs / 1000);
    send(
      gateway,
      connection,
      sessionFrame({ user, cursor: encodeCursor(app.id, connection.position), heartbeat }),
    );
    if (resume.resync) send(gateway, connection, resyncFrame(app.id, head));
    if (resume.from !== undefined) {
      const keys = connection.keys.includes(EVERYTHING) ? 'all' : connection.keys;
      const replayed = await replay(connection, {
        db: () => ctx.store.db,
        read: (after, upTo, limit) => streamAfter(ctx.store.db, app.id, keys, after, upTo, limit),
        frame: (entry) => replayFrame(app.id, entry),
        send: (frame, onFlushed) => send(gateway, connection, frame, onFlushed),
        maxBufferedBytes: options.maxBufferedBytes,
      });
      if (isClosed(connection)) return;
      send(gateway, connection, resumedFrame(app.id, replayed, connection.position));
    }
    if (isClosed(connection)) return;
    connection.phase = 'live';
    const backlog = connection.backlog;
    connection.backlog = [];
    for (const event of backlog) connection.receive(event);
    void pump(gateway, connection);
  } catch (error) {
    gateway.log.error({ err: error }, 'realtime: opening the stream failed');
    drop(gateway, connection, CLOSE_INTERNAL, 'Internal server error');
  }
}
