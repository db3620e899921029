import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import { Emitter } from './emitter.ts';
import { SwitchboardError } from './errors.ts';
import type {
  ConnectionEventData,
  EventMeta,
  RealtimeEventData,
  RealtimeEventName,
  RealtimeRequestName,
  RealtimeRequests,
} from './events.ts';
import type { Transport } from './transport.ts';
import { defaultWebSocket, type WebSocketClass, websocketUrl } from './websocket-url.ts';

/**
 * The realtime client over `/v1/ws` (sdk/README.md, docs/realtime.md). One socket at a time;
 * when it drops the client reconnects by itself (backoff with jitter) with `cursor=<last event seen>`,
 * so the server replays what was missed and every handler sees each event once, in order.
 */
export interface RealtimeOptions {
  /** Resume after this cursor (the last event you handled before). Default: from now. */
  cursor?: string;
  backoff?: Partial<BackoffOptions>;
  /**
   * Silence (ms) after which the client probes the connection; a probe unanswered within
   * `probeTimeoutMs` drops and reopens it. Default: the server's heartbeat + 5 s.
   */
  idleMs?: number;
  probeTimeoutMs?: number;
  /** How long a connection may take to send its session frame (ms). */
  connectTimeoutMs?: number;
  /** Replaces the global WebSocket. */
  WebSocket?: WebSocketClass;
}

type Handler<K extends RealtimeEventName> = (data: RealtimeEventData[K], meta: EventMeta) => void;

interface Pending {
  id: number;
  event: string;
  data: unknown;
  /** The socket it was written to (`undefined`: waiting for one). */
  sentOn: WebSocket | undefined;
  resolve: (value: unknown) => void;
  reject: (error: SwitchboardError) => void;
}

/**
 * Requests written again after a reconnection when their answer was lost with the socket: each one
 * leaves the same state when applied twice (`messages:new` carries a `clientId`). Others are rejected
 * with status 0, because running them twice could differ from running them once.
 */
const SAFE_TO_REPEAT = new Set<string>([
  'messages:new',
  'messages:read',
  'users:activity',
  'chats:get',
  'users:chats',
  'chats:join',
  'agents:status',
]);

const CLOSE_BAD_CREDENTIALS = 4001;
/** The probe: the gateway's `ping` request, answered at once with an empty ack (docs/realtime.md). */
const PROBE_EVENT = 'ping';

function clientId(): string {
  const c = globalThis.crypto as { randomUUID?: () => string } | undefined;
  return c?.randomUUID ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class RealtimeConnection {
  readonly #transport: Transport;
  readonly #options: RealtimeOptions;
  readonly #backoff: BackoffOptions;
  readonly #WebSocket: WebSocketClass;
  readonly #events = new Emitter<RealtimeEventData, EventMeta>();
  readonly #pending = new Map<number, Pending>();
  #cursor: string | undefined;
  #socket: WebSocket | undefined;
  #live = false;
  #closed = false;
  #attempt = 0;
  #nextId = 1;
  #openedAt = 0;
  #lastFrameAt = 0;
  #heartbeatMs = 25_000;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #probeSentAt = 0;

  constructor(transport: Transport, options: RealtimeOptions = {}) {
    this.#transport = transport;
    this.#options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#WebSocket = options.WebSocket ?? defaultWebSocket();
    this.#cursor = options.cursor;
    this.#connect();
  }

  /** The cursor of the last event seen (or where the stream starts); keep it to resume later. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** True while a session is open. */
  get connected(): boolean {
    return this.#live;
  }

  on<K extends RealtimeEventName>(name: K, handler: Handler<K>): this {
    this.#events.on(name, handler);
    return this;
  }

  off<K extends RealtimeEventName>(name: K, handler: Handler<K>): this {
    this.#events.off(name, handler);
    return this;
  }

  /**
   * Sends a request and resolves with its ack's data (rejects with `SwitchboardError`). While
   * disconnected it waits for the next session. `messages:new` gets a `clientId` when it has none, so
   * a re-send after a drop can never post the message twice.
   */
  request<K extends RealtimeRequestName>(
    name: K,
    data: RealtimeRequests[K]['data'],
  ): Promise<RealtimeRequests[K]['result']> {
    if (this.#closed) return Promise.reject(new SwitchboardError(0, 'the realtime connection is closed'));
    let payload: unknown = data;
    if (name === 'messages:new' && (data as { clientId?: string }).clientId === undefined) {
      payload = { ...data, clientId: clientId() };
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        id: this.#nextId++,
        event: name,
        data: payload,
        sentOn: undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      this.#pending.set(pending.id, pending);
      if (this.#live) this.#send(pending);
    });
  }

  /** Closes for good: no reconnection; requests still waiting reject. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#drop();
    socket?.close(1000, 'closed by the client');
    this.#rejectAll(new SwitchboardError(0, 'the realtime connection is closed'));
    this.#emitConnection('disconnected', {
      code: 1000,
      reason: 'closed by the client',
      willReconnect: false,
    });
  }

  // ---------------------------------------------------------------- connection

  #connect(): void {
    const { appId, token, secret } = this.#transport.options;
    const query: Record<string, string | undefined> = { appId, cursor: this.#cursor };
    if (token) query.token = token;
    else if (secret) query.secret = secret;
    const socket = new this.#WebSocket(websocketUrl(this.#transport.origin, '/ws', query));
    this.#socket = socket;
    this.#openedAt = Date.now();
    this.#lastFrameAt = Date.now();
    this.#probeSentAt = 0;
    socket.onmessage = (message) => {
      if (this.#socket === socket) this.#onFrame(socket, message.data);
    };
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#onDrop(event.code, event.reason);
    };
    socket.onerror = () => {}; // a close follows every error
    this.#watch();
  }

  /** Detaches the current socket: nothing it says from now on is heard. */
  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#live = false;
    clearInterval(this.#watchdog);
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
    }
  }

  #onDrop(code: number, reason: string): void {
    const socket = this.#socket;
    const wasLive = this.#live;
    this.#drop();
    try {
      socket?.close();
    } catch {}
    // Answers that died with the socket: repeat what is safe to repeat, reject the rest.
    for (const pending of this.#pending.values()) {
      if (pending.sentOn === undefined) continue;
      if (SAFE_TO_REPEAT.has(pending.event)) pending.sentOn = undefined;
      else {
        this.#pending.delete(pending.id);
        pending.reject(
          new SwitchboardError(
            0,
            `the connection dropped before ${pending.event} was answered; it may have been applied`,
          ),
        );
      }
    }
    const final = code === CLOSE_BAD_CREDENTIALS;
    if (final) {
      this.#closed = true;
      this.#rejectAll(new SwitchboardError(401, reason || 'bad credentials'));
    }
    if (wasLive || final || this.#attempt === 0) {
      this.#emitConnection('disconnected', { code, reason, willReconnect: !final });
    }
    if (final) return;
    // A connection that lived a while starts the backoff over; one that failed at once backs off further.
    if (Date.now() - this.#openedAt > 10_000) this.#attempt = 0;
    const delay = backoffDelay(this.#attempt++, this.#backoff);
    this.#retryTimer = setTimeout(() => {
      if (!this.#closed) this.#connect();
    }, delay);
  }

  /** Watches for a silent connection: no session in time, or no frame since `idleMs` and no probe answer. */
  #watch(): void {
    clearInterval(this.#watchdog);
    const connectTimeout = this.#options.connectTimeoutMs ?? 10_000;
    this.#watchdog = setInterval(
      () => {
        const socket = this.#socket;
        if (!socket) return;
        const now = Date.now();
        if (!this.#live) {
          if (now - this.#openedAt > connectTimeout) this.#onDrop(4000, 'no session in time');
          return;
        }
        const idle = this.#options.idleMs ?? this.#heartbeatMs + 5000;
        const probeTimeout = this.#options.probeTimeoutMs ?? 10_000;
        if (this.#probeSentAt > 0 && now - this.#probeSentAt > probeTimeout) {
          this.#onDrop(4000, 'the connection went silent');
        } else if (this.#probeSentAt === 0 && now - this.#lastFrameAt > idle) {
          this.#probeSentAt = now;
          socket.send(JSON.stringify({ id: `${PROBE_EVENT}:${now}`, event: PROBE_EVENT }));
        }
      },
      Math.min(1000, this.#options.probeTimeoutMs ?? 1000),
    );
    (this.#watchdog as { unref?: () => void }).unref?.();
  }

  // ---------------------------------------------------------------- frames

  #onFrame(socket: WebSocket, raw: unknown): void {
    this.#lastFrameAt = Date.now();
    this.#probeSentAt = 0;
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw as ArrayBuffer));
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    if ('ack' in frame) {
      this.#onAck(frame);
      return;
    }
    const event = frame.event;
    if (typeof event !== 'string') return;
    const cursor = typeof frame.cursor === 'string' ? frame.cursor : undefined;
    if (event === 'session') {
      this.#onSession(socket, frame.data as ConnectionEventData['connected']);
      return;
    }
    if (cursor !== undefined) this.#cursor = cursor;
    if (event === 'resync-required') {
      this.#events.emit('resync-required', { cursor: this.#cursor ?? '' }, { event, cursor });
      return;
    }
    this.#events.emit(event as RealtimeEventName, (frame.data ?? {}) as never, { event, cursor });
  }

  #onSession(socket: WebSocket, session: ConnectionEventData['connected']): void {
    this.#live = true;
    this.#heartbeatMs = (session.heartbeat > 0 ? session.heartbeat : 25) * 1000;
    // Without a cursor of our own, the session's (now) is where a resume must start.
    this.#cursor ??= session.cursor;
    this.#emitConnection('connected', session);
    if (this.#socket !== socket) return; // a handler closed it
    for (const pending of [...this.#pending.values()].sort((a, b) => a.id - b.id)) {
      if (pending.sentOn === undefined) this.#send(pending);
    }
  }

  #onAck(frame: Record<string, unknown>): void {
    const id = frame.ack;
    if (typeof id !== 'number') return; // probes (string ids) and malformed-frame answers
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    const error = frame.error as { code?: unknown; message?: unknown; details?: unknown } | undefined;
    if (error) {
      const code = typeof error.code === 'number' ? error.code : 400;
      pending.reject(
        new SwitchboardError(
          code,
          typeof error.message === 'string' ? error.message : `${pending.event} failed`,
          {
            code,
            ...(Array.isArray(error.details) ? { details: error.details } : {}),
          },
        ),
      );
    } else pending.resolve(frame.data);
  }

  #send(pending: Pending): void {
    const socket = this.#socket;
    if (!socket || !this.#live) return;
    pending.sentOn = socket;
    socket.send(JSON.stringify({ id: pending.id, event: pending.event, data: pending.data }));
  }

  #rejectAll(error: SwitchboardError): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #emitConnection<K extends keyof ConnectionEventData>(name: K, data: ConnectionEventData[K]): void {
    this.#events.emit(name, data as RealtimeEventData[K], { event: name, cursor: this.#cursor });
  }
}
