import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { RedisLink } from '../bus/link.ts';
import type { Ctx } from '../events/context.ts';
import type { Throttle } from '../limits/throttle.ts';
import { recheckCredential } from '../policies/credentials.ts';
import { credentialLookup } from '../realtime/domain.ts';
import { listenForPongs, startHeartbeat } from '../realtime/heartbeat.ts';
import { createHub, everySubscriber } from '../realtime/hub.ts';
import {
  CLOSE_BAD_CREDENTIALS,
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL,
  CLOSE_RATE_LIMITED,
  CLOSE_SLOW_CONSUMER,
  closeReason,
  type RealtimeOptions,
} from '../realtime/options.ts';
import { closeForShutdown } from '../realtime/shutdown.ts';
import { isClosed, takeToken } from '../realtime/socket.ts';
import { upgradeRequired } from '../realtime/upgrade.ts';
import { CLOSE_CODES, type SocketError } from '../wire/sockets.ts';
import { createAsker, type StreamAsker } from './asker.ts';
import { newStreamConnection, type StreamConnection } from './connection.ts';
import { errorFrame, parseReply } from './frames.ts';
import { authenticate, streamQuery } from './handshake.ts';
import { openStream } from './open.ts';
import { streamRouteSchema } from './openapi.ts';
import { drop, finish, type StreamGateway } from './state.ts';

/**
 * The event stream (docs/stream.md): `GET /v1/stream`, a WebSocket the app server opens with its
 * secret to receive, as frames, the webhook envelopes of its app's events — read from the same outbox
 * the dispatcher reads: live from the bus after commit (the realtime gateway's hub, realtime/hub.ts),
 * and on resume from the `events` table by the app's event position (the cursor space of `/v1/ws`;
 * open.ts). It answers `chats:assign` over the socket too (asker.ts). Limits, close codes, heartbeats
 * and cursors are those of the realtime gateway.
 */
export interface Stream {
  /** Asks this app's streams (on every node) to choose the agent at a jump: routing's advisor seam. */
  readonly asker: StreamAsker;
  connectionCount(): number;
  close(): Promise<void>;
}

/** Close code for a request the stream cannot serve (bad `events`), after an error frame saying why. */
export const CLOSE_BAD_REQUEST = CLOSE_CODES.badRequest.code;

export interface StreamDeps {
  http: FastifyInstance;
  ctx: Ctx;
  adminKey: string;
  /** The realtime gateway's limits, shared (frame size, rate, buffers, heartbeat, retention). */
  options: RealtimeOptions;
  /** Redis for asking streams on other nodes (`chats:assign`); undefined on one node. */
  redis?: RedisLink | undefined;
  /** The Redis channel prefix of this store's nodes. */
  channel: string;
  /** Counts wrong credentials of handshakes (docs/security.md, Throttling). */
  throttle?: Throttle | undefined;
}

export async function installStream(deps: StreamDeps): Promise<Stream> {
  const { http, ctx, options } = deps;
  const log = http.log;
  const onError = (error: unknown, what: string) => log.error({ err: error }, what);
  const connections = new Set<StreamConnection>();
  const gateway: StreamGateway = {
    ctx,
    options,
    log,
    connections,
    lookup: credentialLookup(ctx),
    adminKey: deps.adminKey,
    closing: undefined,
    hub: createHub({
      db: () => ctx.store.db,
      bus: ctx.bus,
      gapWaitMs: options.gapWaitMs,
      catchUpMs: options.catchUpMs,
      sink: () => everySubscriber<StreamConnection>(),
      label: 'stream',
      onError,
    }),
    asker: await createAsker({
      connections: () => connections,
      redis: deps.redis,
      channel: deps.channel,
      onError,
    }),
  };

  async function accept(ws: WebSocket, request: FastifyRequest): Promise<void> {
    const connection = newStreamConnection(ws, request.raw.socket, options, (c) =>
      drop(gateway, c, CLOSE_SLOW_CONSUMER, 'Slow consumer: reconnect with your cursor'),
    );
    connections.add(connection);
    ws.on('message', (data, isBinary) => {
      if (isClosed(connection)) return;
      if (!takeToken(connection, options.rateLimit)) {
        drop(gateway, connection, CLOSE_RATE_LIMITED, 'Rate limit exceeded');
        return;
      }
      handleFrame(connection, data, isBinary).catch((error: unknown) => {
        log.error({ err: error }, 'stream: handling a frame failed');
        connection.send(errorFrame({ code: 500, message: 'Internal server error' }));
      });
    });
    listenForPongs(connection);
    ws.on('close', () => finish(gateway, connection));
    if (gateway.closing) {
      drop(gateway, connection, CLOSE_GOING_AWAY, 'Server shutting down');
      return;
    }
    try {
      const who = await authenticate(gateway.lookup, deps.adminKey, request, deps.throttle);
      if (isClosed(connection)) return;
      if (typeof who === 'string') {
        drop(gateway, connection, CLOSE_BAD_CREDENTIALS, closeReason(who));
        return;
      }
      const query = streamQuery(request);
      if ('code' in query) {
        refuse(connection, query);
        return;
      }
      connection.appId = who.appId;
      connection.credential = who.credential;
      connection.triggers = query.triggers;
      await openStream(gateway, connection, query.cursor);
    } catch (error) {
      log.error({ err: error }, 'stream: opening failed');
      drop(gateway, connection, CLOSE_INTERNAL, 'Internal server error');
    }
  }

  function refuse(connection: StreamConnection, problem: SocketError): void {
    connection.send(errorFrame(problem));
    drop(gateway, connection, CLOSE_BAD_REQUEST, closeReason(problem.message));
  }

  async function handleFrame(connection: StreamConnection, data: RawData, isBinary: boolean): Promise<void> {
    const reply = parseReply(data, isBinary);
    if ('code' in reply) return void connection.send(errorFrame(reply));
    if (connection.phase !== 'live') return;
    if (!(await stillValid(connection))) return;
    const problem = gateway.asker.answer(connection, reply.reply, reply.data);
    if (problem) connection.send(errorFrame(problem));
  }

  /**
   * The secret is checked again for each answer, as each REST request checks it, and at each heartbeat:
   * a stream whose secret no longer opens its app is closed with 4001.
   */
  async function stillValid(connection: StreamConnection): Promise<boolean> {
    if (await recheckCredential(gateway.lookup, connection.appId, connection.credential)) return true;
    drop(gateway, connection, CLOSE_BAD_CREDENTIALS, 'Credentials are no longer valid');
    return false;
  }

  const heartbeat = startHeartbeat({
    periodMs: options.heartbeatMs,
    sockets: () => connections,
    onDead: (connection) => finish(gateway, connection),
    onBeat: (connection) => {
      if (connection.phase === 'live')
        stillValid(connection).catch((error: unknown) =>
          log.error({ err: error }, 'stream: checking credentials failed'),
        );
    },
  });

  async function close(): Promise<void> {
    heartbeat.stop();
    const open = [...connections];
    await Promise.all(open.map((c) => closeForShutdown(c.ws, () => finish(gateway, c))));
    gateway.hub.close();
    await gateway.asker.close();
  }

  http.route({
    method: 'GET',
    url: '/v1/stream',
    schema: streamRouteSchema,
    // Bad query parameters are answered on the socket (error frame, 1008), as bad `events` are.
    attachValidation: true,
    handler: async (_request, reply) => upgradeRequired(reply),
    wsHandler: (socket, request) => accept(socket, request),
  });

  return {
    asker: gateway.asker,
    connectionCount: () => connections.size,
    close: () => {
      gateway.closing ??= close();
      return gateway.closing;
    },
  };
}
