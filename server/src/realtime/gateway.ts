import type { Socket } from 'node:net';
import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { findApp } from '../apps/apps.ts';
import { roomKey, userKey } from '../events/audience.ts';
import type { StoredEvent } from '../events/catalog.ts';
import type { Ctx } from '../events/context.ts';
import { checkOrigin, identify } from '../http/auth.ts';
import { sendError } from '../http/errors.ts';
import type { Http } from '../http/types.ts';
import type { Actor } from '../policies/actor.ts';
import { createPresence, type Presence } from '../presence/presence.ts';
import type { UserRow } from '../store/schema.ts';
import type { TimerWorker } from '../timers/timers.ts';
import { presentUsers } from '../users/present.ts';
import { userForToken } from '../users/sessions.ts';
import { ApiError, unauthorized } from '../util/errors.ts';
import { newId } from '../util/ids.ts';
import { matchesDigest } from '../util/secrets.ts';
import { corkForTurn } from './cork.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import {
  appHead,
  appHeads,
  eventsBetween,
  type LogEntry,
  pruneAudience,
  resumable,
  streamAfter,
} from './log.ts';
import { runRequest } from './requests.ts';
import { CLOSE_GOING_AWAY, closeForShutdown } from './shutdown.ts';

/**
 * The realtime gateway (spec sections 6 and 7): `/v1/ws` on the REST port.
 *
 * Delivery. Every committed event carries its audience (realtime/audience.ts), decided in its
 * transaction. Per app, the node feeds events to its sockets strictly in `position` order: events
 * arriving early wait for the ones before them, and a gap that does not fill by itself (an event of
 * another node lost on Redis pub/sub, a publish still in flight) is read from the store. So each
 * socket sees its stream in order, and its cursor (the position of the last event it got) is exact.
 *
 * Resume. A socket registers before it reads anything, so live events that arrive while it replays
 * are held in its backlog; the replay then reads the store after the client's cursor until it is
 * caught up, and the backlog is flushed without what the replay already sent. Nothing falls between.
 */
export interface RealtimeOptions {
  /** WebSocket ping period; a socket that misses two pongs in a row is dropped. */
  heartbeatMs: number;
  /** Largest client frame; a bigger one closes the socket with 1009. */
  maxFrameBytes: number;
  /** Per-connection token bucket for client frames: `burst` at once, `perSecond` sustained → 4008. */
  rateLimit: { burst: number; perSecond: number };
  /** Bytes a socket may have queued for sending before it is dropped as a slow consumer (1013). */
  maxBufferedBytes: number;
  /** Live events held for a socket while it replays; beyond this it is dropped like a slow consumer. */
  maxBacklog: number;
  /** How far back a cursor can resume (spec: 24 h). */
  retentionMs: number;
  /** How long the per-app feed waits for a missing position before reading it from the store. */
  gapWaitMs: number;
  /** How often each node compares the store's head with what it delivered (lost bus messages). */
  catchUpMs: number;
  /** Presence lease of a node, and how often it is renewed and dead nodes are swept. */
  nodeLeaseMs: number;
  maintenanceMs: number;
}

export const DEFAULT_REALTIME_OPTIONS: RealtimeOptions = {
  heartbeatMs: 25_000,
  maxFrameBytes: 64 * 1024,
  rateLimit: { burst: 100, perSecond: 20 },
  maxBufferedBytes: 4 * 1024 * 1024,
  maxBacklog: 10_000,
  retentionMs: 24 * 3600 * 1000,
  gapWaitMs: 100,
  catchUpMs: 1000,
  nodeLeaseMs: 60_000,
  maintenanceMs: 10_000,
};

export const CLOSE_BAD_CREDENTIALS = 4001;
export const CLOSE_RATE_LIMITED = 4008;
export const CLOSE_SLOW_CONSUMER = 1013;

const REPLAY_BATCH = 500;
const MAX_INBOX = 1000;
const AUDIT_EVERY = 60;

export interface Realtime {
  readonly presence: Presence;
  readonly options: RealtimeOptions;
  /** Open sockets on this node. */
  connectionCount(): number;
  close(): Promise<void>;
}

type Credentials = { kind: 'token'; token: string } | { kind: 'secret'; secret: string };

interface Connection {
  ws: WebSocket;
  /** The TCP socket under `ws`, corked while a turn's frames for it are being written. */
  stream: Socket;
  appId: string;
  credentials: Credentials | undefined;
  user: UserRow | null;
  /** Audience keys it hears; `*` = the app server, every event but `chats:assign`. */
  keys: string[];
  /** Position of the last event of its stream it was given (or where its stream starts). */
  position: number;
  phase: 'opening' | 'live' | 'closed';
  backlog: StoredEvent[];
  inbox: Array<{ data: RawData; isBinary: boolean }>;
  processing: boolean;
  counted: boolean;
  tokens: number;
  refilled: number;
  awaitingPong: boolean;
  missedPongs: number;
}

interface AppFeed {
  appId: string;
  /** The next position to deliver; undefined until the first socket has read the head. */
  next: number | undefined;
  pending: Map<number, StoredEvent>;
  connections: Set<Connection>;
  byKey: Map<string, Set<Connection>>;
  gapTimer: NodeJS.Timeout | undefined;
  filling: boolean;
  lagMark: number | undefined;
}

export interface RealtimeDeps {
  http: Http;
  ctx: Ctx;
  timers: TimerWorker;
  adminKey: string;
  options?: Partial<RealtimeOptions> | undefined;
}

function keysOf(user: UserRow | null): string[] {
  if (user === null) return ['*'];
  const keys = [userKey(user.id)];
  if (user.role === 'agent')
    for (const room of JSON.parse(user.rooms ?? '[]') as number[]) keys.push(roomKey(room));
  return keys;
}

/** Whether a socket went away; read through a call because awaits in between may have closed it. */
const isClosed = (connection: Connection): boolean => connection.phase === 'closed';

function errorBody(error: unknown): { code: number; message: string; details?: unknown } {
  if (error instanceof ApiError) {
    return {
      code: error.status,
      message: error.message,
      ...(error.details && error.details.length > 0 ? { details: error.details } : {}),
    };
  }
  return { code: 500, message: 'Internal server error' };
}

const frames = new WeakMap<StoredEvent, Buffer>();

/** The frame of a live event, built and encoded once for all its sockets (a room's agents may be hundreds). */
function frameOf(event: StoredEvent): Buffer {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = Buffer.from(
      JSON.stringify({
        event: event.trigger,
        data: event.data,
        cursor: encodeCursor(event.appId, event.position),
      }),
    );
    frames.set(event, frame);
  }
  return frame;
}

function replayFrame(appId: string, entry: LogEntry): string {
  return `{"event":${JSON.stringify(entry.trigger)},"data":${entry.data},"cursor":${JSON.stringify(encodeCursor(appId, entry.position))}}`;
}

/** Builds the gateway, registers its route, timers and bus subscription. */
export async function installRealtime(deps: RealtimeDeps): Promise<Realtime> {
  const { http, ctx } = deps;
  const options: RealtimeOptions = {
    ...DEFAULT_REALTIME_OPTIONS,
    ...deps.options,
    rateLimit: { ...DEFAULT_REALTIME_OPTIONS.rateLimit, ...deps.options?.rateLimit },
  };
  const log = http.log;
  const db = () => ctx.store.db;
  const feeds = new Map<string, AppFeed>();
  const connections = new Set<Connection>();
  let closing: Promise<void> | undefined;

  const presence = createPresence(ctx, newId(), {
    nodeLeaseMs: options.nodeLeaseMs,
    log: (error, what) => log.error({ err: error }, what),
  });
  await presence.start();

  // ---------------------------------------------------------------- the per-app feed, in order

  function feedFor(appId: string): AppFeed {
    let feed = feeds.get(appId);
    if (!feed) {
      feed = {
        appId,
        next: undefined,
        pending: new Map(),
        connections: new Set(),
        byKey: new Map(),
        gapTimer: undefined,
        filling: false,
        lagMark: undefined,
      };
      feeds.set(appId, feed);
    }
    return feed;
  }

  function index(feed: AppFeed, connection: Connection): void {
    for (const key of connection.keys) {
      let set = feed.byKey.get(key);
      if (!set) {
        set = new Set();
        feed.byKey.set(key, set);
      }
      set.add(connection);
    }
  }

  function unindex(feed: AppFeed, connection: Connection): void {
    for (const key of connection.keys) {
      const set = feed.byKey.get(key);
      set?.delete(connection);
      if (set?.size === 0) feed.byKey.delete(key);
    }
  }

  function onEvent(event: StoredEvent): void {
    const feed = feeds.get(event.appId);
    if (!feed) return;
    if (feed.next !== undefined && event.position < feed.next) return;
    feed.pending.set(event.position, event);
    drain(feed);
  }

  function drain(feed: AppFeed): void {
    if (feed.next === undefined) return;
    for (;;) {
      const event = feed.pending.get(feed.next);
      if (!event) break;
      feed.pending.delete(feed.next);
      feed.next++;
      deliver(feed, event);
    }
    for (const position of feed.pending.keys()) if (position < feed.next) feed.pending.delete(position);
    if (feed.pending.size > 0 && !feed.gapTimer && !feed.filling) {
      feed.gapTimer = setTimeout(() => {
        feed.gapTimer = undefined;
        void fill(feed);
      }, options.gapWaitMs);
    }
  }

  /** Reads missing positions from the store: up to the first pending event, or up to `upTo`. */
  async function fill(feed: AppFeed, upTo?: number): Promise<void> {
    if (feed.filling || feed.next === undefined) return;
    let to = upTo;
    for (const position of feed.pending.keys()) if (to === undefined || position - 1 < to) to = position - 1;
    if (to === undefined || to < feed.next) return;
    feed.filling = true;
    try {
      const from = feed.next;
      for (const event of await eventsBetween(db(), feed.appId, from, Math.min(to, from + 999))) {
        if (feed.next !== undefined && event.position >= feed.next && !feed.pending.has(event.position))
          feed.pending.set(event.position, event);
      }
    } catch (error) {
      log.error({ err: error, appId: feed.appId }, 'realtime: reading missed events failed');
    } finally {
      feed.filling = false;
      if (feeds.get(feed.appId) === feed) drain(feed);
    }
  }

  /** Events committed but never heard of (a lost bus message) are read from the store. */
  async function catchUp(): Promise<void> {
    const live = [...feeds.values()].filter((f) => f.next !== undefined);
    const heads = await appHeads(
      db(),
      live.map((f) => f.appId),
    );
    for (const feed of live) {
      const head = heads.get(feed.appId);
      if (head === undefined || feed.next === undefined || head < feed.next) {
        feed.lagMark = undefined;
        continue;
      }
      // Behind for a whole period (not just a publish in flight): read what is missing.
      if (feed.lagMark === feed.next) void fill(feed, head);
      else feed.lagMark = feed.next;
    }
  }

  function deliver(feed: AppFeed, event: StoredEvent): void {
    if (event.trigger === 'chats:assign') return;
    const targets = new Set<Connection>();
    for (const key of event.audience ?? []) for (const c of feed.byKey.get(key) ?? []) targets.add(c);
    for (const c of feed.byKey.get('*') ?? []) targets.add(c);
    for (const connection of targets) receive(connection, event);
  }

  function receive(connection: Connection, event: StoredEvent): void {
    if (connection.phase === 'closed') return;
    if (connection.phase === 'opening') {
      connection.backlog.push(event);
      if (connection.backlog.length > options.maxBacklog) slowConsumer(connection);
      return;
    }
    if (event.position <= connection.position) return;
    connection.position = event.position;
    send(connection, frameOf(event));
  }

  // ---------------------------------------------------------------- sockets

  function send(connection: Connection, text: string | Buffer, onFlushed?: (error?: Error) => void): boolean {
    const { ws } = connection;
    if (ws.readyState !== ws.OPEN) {
      onFlushed?.(new Error('closed'));
      return false;
    }
    if (ws.bufferedAmount > options.maxBufferedBytes) {
      slowConsumer(connection);
      onFlushed?.(new Error('slow consumer'));
      return false;
    }
    corkForTurn(connection.stream);
    ws.send(text, { binary: false }, onFlushed);
    return true;
  }

  function drop(connection: Connection, code: number, reason: string): void {
    const { ws } = connection;
    if (ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING) return;
    ws.close(code, reason);
    // A peer that does not read will never answer the close: cut it after a second.
    setTimeout(() => ws.terminate(), 1000).unref();
    finish(connection);
  }

  function slowConsumer(connection: Connection): void {
    drop(connection, CLOSE_SLOW_CONSUMER, 'Slow consumer: reconnect with your cursor');
  }

  /** Leaves every index at once, so nothing more is queued for a socket that is going. */
  function finish(connection: Connection): void {
    if (connection.phase === 'closed') return;
    connection.phase = 'closed';
    connection.backlog = [];
    connection.inbox = [];
    connections.delete(connection);
    const feed = feeds.get(connection.appId);
    if (feed) {
      unindex(feed, connection);
      feed.connections.delete(connection);
      if (feed.connections.size === 0) {
        if (feed.gapTimer) clearTimeout(feed.gapTimer);
        feeds.delete(connection.appId);
      }
    }
    if (connection.counted && connection.user) presence.disconnected(connection.appId, connection.user.id);
    connection.counted = false;
  }

  function takeToken(connection: Connection): boolean {
    const now = Date.now();
    const { burst, perSecond } = options.rateLimit;
    connection.tokens = Math.min(burst, connection.tokens + ((now - connection.refilled) / 1000) * perSecond);
    connection.refilled = now;
    if (connection.tokens < 1) return false;
    connection.tokens -= 1;
    return true;
  }

  async function accept(ws: WebSocket, request: FastifyRequest): Promise<void> {
    const connection: Connection = {
      ws,
      stream: request.raw.socket,
      appId: '',
      credentials: undefined,
      user: null,
      keys: [],
      position: 0,
      phase: 'opening',
      backlog: [],
      inbox: [],
      processing: false,
      counted: false,
      tokens: options.rateLimit.burst,
      refilled: Date.now(),
      awaitingPong: false,
      missedPongs: 0,
    };
    connections.add(connection);
    ws.on('message', (data, isBinary) => {
      if (connection.phase === 'closed') return;
      if (!takeToken(connection) || connection.inbox.length >= MAX_INBOX) {
        drop(connection, CLOSE_RATE_LIMITED, 'Rate limit exceeded');
        return;
      }
      connection.inbox.push({ data, isBinary });
      void pump(connection);
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

    let actor: Actor;
    try {
      const principal = await identify(ctx, deps.adminKey, request);
      // A browser's socket is held to the app's domains like its REST calls (http/cors.ts).
      checkOrigin(request, principal);
      if (principal.kind === 'token') {
        actor = { app: principal.app, user: principal.user };
        connection.credentials = { kind: 'token', token: tokenOf(request) ?? '' };
      } else if (principal.kind === 'secret') {
        actor = { app: principal.app, user: null };
        connection.credentials = { kind: 'secret', secret: secretOf(request) ?? '' };
      } else {
        throw unauthorized('A user token or the app secret is required');
      }
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) {
        drop(connection, CLOSE_BAD_CREDENTIALS, error.message.slice(0, 120));
      } else {
        log.error({ err: error }, 'realtime: handshake failed');
        drop(connection, 1011, 'Internal server error');
      }
      return;
    }
    if (isClosed(connection)) return;

    const { app } = actor;
    connection.appId = app.id;
    connection.user = actor.user;
    connection.keys = keysOf(actor.user);
    const feed = feedFor(app.id);
    feed.connections.add(connection);
    index(feed, connection);
    if (actor.user) {
      // Presence first: a `reconnected` this connection causes is part of what it replays, always.
      connection.counted = true;
      await presence.connected(app.id, actor.user.id);
      if (isClosed(connection)) return;
    }

    try {
      const head = await appHead(db(), app.id);
      if (feed.next === undefined) {
        feed.next = head + 1;
        drain(feed);
      }
      const raw = (request.query as Record<string, unknown> | undefined)?.cursor;
      let resumeFrom: number | undefined;
      let resync = false;
      if (typeof raw === 'string' && raw !== '') {
        const position = decodeCursor(app.id, raw);
        if (position !== undefined && (await resumable(db(), app.id, position, head, options.retentionMs)))
          resumeFrom = position;
        else resync = true;
      }
      connection.position = resumeFrom ?? head;
      const [view] = actor.user ? await presentUsers(db(), [actor.user], app.settings) : [null];
      if (isClosed(connection)) return;
      send(
        connection,
        JSON.stringify({
          event: 'session',
          data: {
            user: view,
            cursor: encodeCursor(app.id, connection.position),
            heartbeat: Math.round(options.heartbeatMs / 1000),
          },
        }),
      );
      if (resync) {
        send(connection, JSON.stringify({ event: 'resync-required', cursor: encodeCursor(app.id, head) }));
      }
      if (resumeFrom !== undefined) {
        const replayed = await replay(connection);
        if (isClosed(connection)) return;
        send(
          connection,
          JSON.stringify({
            event: 'resumed',
            data: { replayed },
            cursor: encodeCursor(app.id, connection.position),
          }),
        );
      }
      if (isClosed(connection)) return;
      connection.phase = 'live';
      const backlog = connection.backlog;
      connection.backlog = [];
      for (const event of backlog) receive(connection, event);
      void pump(connection);
    } catch (error) {
      log.error({ err: error }, 'realtime: opening the stream failed');
      drop(connection, 1011, 'Internal server error');
    }
  }

  /** Sends every event of the socket's stream after its position, from the store, until caught up. */
  async function replay(connection: Connection): Promise<number> {
    let replayed = 0;
    const keys = connection.keys.includes('*') ? 'all' : connection.keys;
    for (;;) {
      const head = await appHead(db(), connection.appId);
      const batch = await streamAfter(db(), connection.appId, keys, connection.position, head, REPLAY_BATCH);
      for (const entry of batch) {
        if (isClosed(connection)) return replayed;
        const frame = replayFrame(connection.appId, entry);
        // Backpressure: past half the budget, wait until this frame is written out rather than queue a
        // whole history in memory (a peer that stops reading is dropped by the heartbeat).
        const sent =
          connection.ws.bufferedAmount > options.maxBufferedBytes / 2
            ? await new Promise<boolean>((resolve) => {
                if (!send(connection, frame, (error) => resolve(!error))) resolve(false);
              })
            : send(connection, frame);
        if (!sent) return replayed;
        connection.position = entry.position;
        replayed++;
      }
      if (batch.length < REPLAY_BATCH) {
        connection.position = Math.max(connection.position, head);
        return replayed;
      }
    }
  }

  async function pump(connection: Connection): Promise<void> {
    if (connection.processing || connection.phase !== 'live') return;
    connection.processing = true;
    try {
      while (connection.phase === 'live') {
        const frame = connection.inbox.shift();
        if (!frame) break;
        await handleFrame(connection, frame.data, frame.isBinary);
      }
    } finally {
      connection.processing = false;
    }
  }

  function ack(
    connection: Connection,
    id: number | string | null,
    body: { data: unknown } | { error: unknown },
  ): void {
    send(connection, JSON.stringify({ ack: id, ...body }));
  }

  async function handleFrame(connection: Connection, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      ack(connection, null, { error: { code: 400, message: 'Frames must be JSON text' } });
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch {
      ack(connection, null, { error: { code: 400, message: 'Frame is not valid JSON' } });
      return;
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      ack(connection, null, {
        error: { code: 400, message: 'A frame is a JSON object {"id", "event", "data"}' },
      });
      return;
    }
    const { id, event, data: payload } = frame as { id?: unknown; event?: unknown; data?: unknown };
    const validId =
      (typeof id === 'number' && Number.isFinite(id)) ||
      (typeof id === 'string' && id.length > 0 && id.length <= 100);
    if (!validId) {
      ack(connection, null, {
        error: {
          code: 400,
          message: 'Invalid request: id must be a number or a string',
          details: [{ field: 'id', message: 'must be a number or a non-empty string' }],
        },
      });
      return;
    }
    const ackId = id as number | string;
    if (typeof event !== 'string' || event === '') {
      ack(connection, ackId, {
        error: {
          code: 400,
          message: 'Invalid request: event must be a string',
          details: [{ field: 'event', message: 'must be string' }],
        },
      });
      return;
    }
    let actor: Actor;
    try {
      actor = await currentActor(connection);
    } catch (error) {
      ack(connection, ackId, { error: errorBody(error) });
      drop(connection, CLOSE_BAD_CREDENTIALS, 'Credentials are no longer valid');
      return;
    }
    try {
      const result = await runRequest(ctx, actor, event, payload);
      ack(connection, ackId, { data: result });
    } catch (error) {
      if (!(error instanceof ApiError)) log.error({ err: error, event }, 'realtime request failed');
      ack(connection, ackId, { error: errorBody(error) });
    }
  }

  /** The credentials are checked again for each request, as each REST request checks them. */
  async function currentActor(connection: Connection): Promise<Actor> {
    const app = await findApp(db(), connection.appId);
    const credentials = connection.credentials;
    if (!app || !credentials) throw unauthorized();
    if (credentials.kind === 'secret') {
      if (!matchesDigest(credentials.secret, app.secretHash)) throw unauthorized();
      return { app, user: null };
    }
    const user = await userForToken(db(), app.id, credentials.token);
    if (!user) throw unauthorized();
    // An agent's rooms may have changed: hear the rooms it serves now.
    const keys = keysOf(user);
    const feed = feeds.get(app.id);
    if (feed && keys.join() !== connection.keys.join()) {
      unindex(feed, connection);
      connection.keys = keys;
      index(feed, connection);
    }
    connection.user = user;
    return { app, user };
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
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  const catchUpTimer = setInterval(() => {
    catchUp().catch((error) => log.error({ err: error }, 'realtime: catch-up failed'));
  }, options.catchUpMs);
  catchUpTimer.unref();

  let rounds = 0;
  const maintenance = setInterval(() => {
    presence.maintain().catch((error) => log.error({ err: error }, 'realtime: presence maintenance failed'));
    if (rounds++ % AUDIT_EVERY === 0) {
      pruneAudience(db(), options.retentionMs).catch((error) =>
        log.error({ err: error }, 'realtime: pruning the audience failed'),
      );
    }
  }, options.maintenanceMs);
  maintenance.unref();

  ctx.bus.subscribe(onEvent, { remote: true });

  async function close(): Promise<void> {
    clearInterval(heartbeat);
    clearInterval(catchUpTimer);
    clearInterval(maintenance);
    const open = [...connections];
    await Promise.all(open.map((connection) => closeForShutdown(connection.ws, () => finish(connection))));
    for (const feed of feeds.values()) if (feed.gapTimer) clearTimeout(feed.gapTimer);
    feeds.clear();
    await presence.idle();
    await presence
      .stop()
      .catch((error) => log.error({ err: error }, 'realtime: leaving the node table failed'));
  }

  await http.register(websocket, {
    options: { maxPayload: options.maxFrameBytes },
    // ws closes the socket itself on protocol errors (1009 for an oversized frame, 1002, …).
    errorHandler: (error) => log.debug({ err: error }, 'realtime: socket error'),
    preClose: async () => {
      closing ??= close();
      await closing;
      await new Promise<void>((resolve) => http.websocketServer.close(() => resolve()));
    },
  });
  http.route({
    method: 'GET',
    url: '/v1/ws',
    config: { queryCredentials: true },
    schema: { hide: true },
    handler: async (_request, reply) =>
      sendError(reply, 426, 'Upgrade required: connect with a WebSocket client').header(
        'upgrade',
        'websocket',
      ),
    wsHandler: (socket, request) => accept(socket, request),
  });

  return {
    presence,
    options,
    connectionCount: () => connections.size,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}

function queryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

/** The credential identify() accepted: the header wins over the query, as there. */
function tokenOf(request: FastifyRequest): string | undefined {
  return headerValue(request, 'x-hyper-token') ?? queryValue(request, 'token');
}

function secretOf(request: FastifyRequest): string | undefined {
  return headerValue(request, 'x-hyper-secret') ?? queryValue(request, 'secret');
}
