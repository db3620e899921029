import type { Socket } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { findApp } from '../apps/apps.ts';
import type { StoredEvent, Trigger } from '../events/catalog.ts';
import type { Ctx } from '../events/context.ts';
import { sendError } from '../http/errors.ts';
import type { Http } from '../http/types.ts';
import { corkForTurn } from '../realtime/cork.ts';
import { decodeCursor, encodeCursor } from '../realtime/cursor.ts';
import {
  CLOSE_BAD_CREDENTIALS,
  CLOSE_RATE_LIMITED,
  CLOSE_SLOW_CONSUMER,
  type RealtimeOptions,
} from '../realtime/gateway.ts';
import { appHead, resumable } from '../realtime/log.ts';
import { CLOSE_GOING_AWAY, closeForShutdown } from '../realtime/shutdown.ts';
import { matchesDigest } from '../util/secrets.ts';
import { createAsker, type StreamAsker } from './asker.ts';
import { createFeeds, type FeedSubscriber } from './feed.ts';
import { errorFrame, liveFrame, type Problem, parseReply, replayFrame } from './frames.ts';
import { authenticate, streamQuery } from './handshake.ts';
import { eventsAfter } from './log.ts';
import { streamRouteSchema } from './openapi.ts';

/**
 * The event stream (CLIENTS.md section 1): `GET /v1/stream`, a WebSocket the app server opens with its
 * secret to receive, as frames, the webhook envelopes of its app's events — read from the same outbox
 * the dispatcher reads: live from the bus after commit, and on resume from the `events` table by the
 * app's event position (the cursor space of `/v1/ws`). It answers `chats:assign` over the socket too
 * (asker.ts). Limits, close codes and cursors are those of the realtime gateway.
 *
 * Resume without gap or duplicate: a stream joins its app's feed before it reads anything, so live
 * events arriving while it replays wait in its backlog; the replay reads the store after the cursor
 * until it reaches the head, then the backlog is flushed without what the replay already sent.
 */
export interface Stream {
  /** Asks this app's streams (on every node) to choose the agent at a jump: routing's advisor seam. */
  readonly asker: StreamAsker;
  connectionCount(): number;
  close(): Promise<void>;
}

/** Close code for a request the stream cannot serve (bad `events`), after an error frame saying why. */
export const CLOSE_BAD_REQUEST = 1008;

const REPLAY_BATCH = 500;

/** Whether a stream went away; read through a call because awaits in between may have closed it. */
const isClosed = (connection: StreamConnection): boolean => connection.phase === 'closed';

export interface StreamConnection extends FeedSubscriber {
  ws: WebSocket;
  stream: Socket;
  appId: string;
  secret: string;
  triggers: ReadonlySet<Trigger>;
  /** Position of the last event of the app it was given (or where its stream starts). */
  position: number;
  phase: 'opening' | 'live' | 'closed';
  backlog: StoredEvent[];
  tokens: number;
  refilled: number;
  awaitingPong: boolean;
  missedPongs: number;
  send(text: string | Buffer): boolean;
}

export interface StreamDeps {
  http: Http;
  ctx: Ctx;
  adminKey: string;
  /** The realtime gateway's limits, shared (frame size, rate, buffers, heartbeat, retention). */
  options: RealtimeOptions;
  /** Redis for asking streams on other nodes (`chats:assign`); undefined on one node. */
  redisUrl?: string | undefined;
  /** The Redis channel prefix of this store's nodes. */
  channel: string;
}

export async function installStream(deps: StreamDeps): Promise<Stream> {
  const { http, ctx, options } = deps;
  const log = http.log;
  const db = () => ctx.store.db;
  const connections = new Set<StreamConnection>();
  let closing: Promise<void> | undefined;
  const feeds = createFeeds({
    db,
    bus: ctx.bus,
    gapWaitMs: options.gapWaitMs,
    catchUpMs: options.catchUpMs,
    onError: (error, what) => log.error({ err: error }, what),
  });
  const asker = await createAsker({
    connections: () => connections,
    redisUrl: deps.redisUrl,
    channel: deps.channel,
    onError: (error, what) => log.error({ err: error }, what),
  });

  function drop(connection: StreamConnection, code: number, reason: string): void {
    const { ws } = connection;
    finish(connection);
    if (ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING) return;
    ws.close(code, reason);
    // A peer that does not read will never answer the close: cut it after a second.
    setTimeout(() => ws.terminate(), 1000).unref();
  }

  function finish(connection: StreamConnection): void {
    if (isClosed(connection)) return;
    connection.phase = 'closed';
    connection.backlog = [];
    connections.delete(connection);
    if (connection.appId) feeds.leave(connection.appId, connection);
    asker.gone(connection);
  }

  function takeToken(connection: StreamConnection): boolean {
    const now = Date.now();
    const { burst, perSecond } = options.rateLimit;
    connection.tokens = Math.min(burst, connection.tokens + ((now - connection.refilled) / 1000) * perSecond);
    connection.refilled = now;
    if (connection.tokens < 1) return false;
    connection.tokens -= 1;
    return true;
  }

  function newConnection(ws: WebSocket, request: FastifyRequest): StreamConnection {
    const connection: StreamConnection = {
      ws,
      stream: request.raw.socket,
      appId: '',
      secret: '',
      triggers: new Set(),
      position: 0,
      phase: 'opening',
      backlog: [],
      tokens: options.rateLimit.burst,
      refilled: Date.now(),
      awaitingPong: false,
      missedPongs: 0,
      send(text) {
        if (ws.readyState !== ws.OPEN) return false;
        if (ws.bufferedAmount > options.maxBufferedBytes) {
          drop(connection, CLOSE_SLOW_CONSUMER, 'Slow consumer: reconnect with your cursor');
          return false;
        }
        corkForTurn(connection.stream);
        ws.send(text, { binary: false });
        return true;
      },
      receive(event) {
        if (isClosed(connection)) return;
        if (connection.phase === 'opening') {
          connection.backlog.push(event);
          if (connection.backlog.length > options.maxBacklog)
            drop(connection, CLOSE_SLOW_CONSUMER, 'Slow consumer: reconnect with your cursor');
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

  async function accept(ws: WebSocket, request: FastifyRequest): Promise<void> {
    const connection = newConnection(ws, request);
    connections.add(connection);
    ws.on('message', (data, isBinary) => {
      if (isClosed(connection)) return;
      if (!takeToken(connection)) {
        drop(connection, CLOSE_RATE_LIMITED, 'Rate limit exceeded');
        return;
      }
      handleFrame(connection, data, isBinary).catch((error: unknown) => {
        log.error({ err: error }, 'stream: handling a frame failed');
        connection.send(errorFrame({ code: 500, message: 'Internal server error' }));
      });
    });
    ws.on('pong', () => {
      connection.awaitingPong = false;
      connection.missedPongs = 0;
    });
    ws.on('close', () => finish(connection));
    if (closing) {
      drop(connection, CLOSE_GOING_AWAY, 'Server shutting down');
      return;
    }
    try {
      const who = await authenticate(ctx, deps.adminKey, request);
      if (isClosed(connection)) return;
      if (typeof who === 'string') {
        drop(connection, CLOSE_BAD_CREDENTIALS, who.slice(0, 120));
        return;
      }
      const query = streamQuery(request);
      if ('code' in query) {
        refuse(connection, query);
        return;
      }
      connection.appId = who.appId;
      connection.secret = who.secret;
      connection.triggers = query.triggers;
      await open(connection, query.cursor);
    } catch (error) {
      log.error({ err: error }, 'stream: opening failed');
      drop(connection, 1011, 'Internal server error');
    }
  }

  function refuse(connection: StreamConnection, problem: Problem): void {
    connection.send(errorFrame(problem));
    drop(connection, CLOSE_BAD_REQUEST, problem.message.slice(0, 120));
  }

  /** Joins the feed, sends the session, replays after the cursor, then goes live. */
  async function open(connection: StreamConnection, rawCursor: unknown): Promise<void> {
    const { appId } = connection;
    const head = await feeds.join(appId, connection);
    if (isClosed(connection)) return feeds.leave(appId, connection);
    let resumeFrom: number | undefined;
    let resync = false;
    if (typeof rawCursor === 'string' && rawCursor !== '') {
      const position = decodeCursor(appId, rawCursor);
      if (position !== undefined && (await resumable(db(), appId, position, head, options.retentionMs)))
        resumeFrom = position;
      else resync = true;
    } else if (rawCursor !== undefined && rawCursor !== '') {
      resync = true;
    }
    if (isClosed(connection)) return;
    connection.position = resumeFrom ?? head;
    await asker.joined(connection);
    if (isClosed(connection)) return;
    connection.send(
      JSON.stringify({
        event: 'session',
        data: {
          appId,
          events: [...connection.triggers],
          cursor: encodeCursor(appId, connection.position),
          heartbeat: Math.round(options.heartbeatMs / 1000),
        },
      }),
    );
    if (resync)
      connection.send(JSON.stringify({ event: 'resync-required', cursor: encodeCursor(appId, head) }));
    if (resumeFrom !== undefined) {
      const replayed = await replay(connection);
      if (isClosed(connection)) return;
      connection.send(
        JSON.stringify({
          event: 'resumed',
          data: { replayed },
          cursor: encodeCursor(appId, connection.position),
        }),
      );
    }
    if (isClosed(connection)) return;
    connection.phase = 'live';
    const backlog = connection.backlog;
    connection.backlog = [];
    for (const event of backlog) connection.receive(event);
  }

  /** Sends every wanted event after the connection's position, from the store, until caught up. */
  async function replay(connection: StreamConnection): Promise<number> {
    let replayed = 0;
    for (;;) {
      const head = await appHead(db(), connection.appId);
      const batch = await eventsAfter(
        db(),
        connection.appId,
        connection.triggers,
        connection.position,
        head,
        REPLAY_BATCH,
      );
      for (const row of batch) {
        if (isClosed(connection)) return replayed;
        const frame = replayFrame(connection.appId, row);
        // Backpressure: past half the budget, wait for this frame to be written rather than queue a
        // whole history in memory (a peer that stops reading is dropped by the heartbeat).
        if (connection.ws.bufferedAmount > options.maxBufferedBytes / 2) {
          const sent = await new Promise<boolean>((resolve) => {
            if (connection.ws.readyState !== connection.ws.OPEN) return resolve(false);
            connection.ws.send(frame, { binary: false }, (error) => resolve(!error));
          });
          if (!sent) return replayed;
        } else if (!connection.send(frame)) return replayed;
        connection.position = row.position;
        replayed++;
      }
      if (batch.length < REPLAY_BATCH) {
        connection.position = Math.max(connection.position, head);
        return replayed;
      }
    }
  }

  async function handleFrame(connection: StreamConnection, data: RawData, isBinary: boolean): Promise<void> {
    const reply = parseReply(data, isBinary);
    if ('code' in reply) return void connection.send(errorFrame(reply));
    if (connection.phase !== 'live') return;
    if (!(await stillValid(connection))) return;
    const problem = asker.answer(connection, reply.reply, reply.data);
    if (problem) connection.send(errorFrame(problem));
  }

  /**
   * The secret is checked again for each answer, as each REST request checks it, and at each heartbeat:
   * a stream whose secret no longer opens its app is closed with 4001.
   */
  async function stillValid(connection: StreamConnection): Promise<boolean> {
    const app = await findApp(db(), connection.appId);
    if (app && matchesDigest(connection.secret, app.secretHash)) return true;
    drop(connection, CLOSE_BAD_CREDENTIALS, 'Credentials are no longer valid');
    return false;
  }

  // ---------------------------------------------------------------- housekeeping

  const heartbeat = setInterval(() => {
    for (const connection of connections) {
      const { ws } = connection;
      if (ws.readyState !== ws.OPEN) continue;
      if (connection.awaitingPong) {
        connection.missedPongs++;
        if (connection.missedPongs >= 2) {
          ws.terminate();
          finish(connection);
          continue;
        }
      }
      connection.awaitingPong = true;
      ws.ping();
      if (connection.phase === 'live')
        stillValid(connection).catch((error: unknown) =>
          log.error({ err: error }, 'stream: checking credentials failed'),
        );
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  async function close(): Promise<void> {
    clearInterval(heartbeat);
    const open = [...connections];
    await Promise.all(open.map((connection) => closeForShutdown(connection.ws, () => finish(connection))));
    feeds.close();
    await asker.close();
  }

  http.route({
    method: 'GET',
    url: '/v1/stream',
    schema: streamRouteSchema,
    // Bad query parameters are answered on the socket (error frame, 1008), as bad `events` are.
    attachValidation: true,
    handler: async (_request, reply) =>
      sendError(reply, 426, 'Upgrade required: connect with a WebSocket client').header(
        'upgrade',
        'websocket',
      ),
    wsHandler: (socket, request) => accept(socket, request),
  });

  return {
    asker,
    connectionCount: () => connections.size,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
