import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import { Emitter } from './emitter.ts';
import { SwitchboardError } from './errors.ts';
import { TRIGGERS, type Trigger, type WebhookEnvelope } from './events.ts';
import type { Transport } from './transport.ts';
import { defaultWebSocket, type WebSocketClass, websocketUrl } from './websocket-url.ts';

/**
 * The event stream (`GET /v1/stream`, docs/stream.md) as an async iterator.
 * It reconnects by itself (backoff with jitter) from the cursor of the last frame it received, and
 * keeps frames not yet taken by the loop across drops, so a loop sees every event once, in order.
 * The stream authenticates with the app secret in headers, which only server runtimes can set on a
 * WebSocket (Node's global WebSocket takes `{headers}`); browsers have no business holding a secret.
 */

/** One frame of the stream: the webhook envelope plus the event's `id` and its `cursor`. */
export type StreamEvent = WebhookEnvelope & { id: string; cursor: string };
export type AssignQuestion = Extract<StreamEvent, { trigger: 'chats:assign' }>;

export interface StreamOptions {
  /** Triggers to receive (default: every trigger but `chats:assign`). */
  events?: readonly Trigger[];
  /** Resume after this cursor (the last event you handled). */
  cursor?: string;
  /**
   * Answers `chats:assign` at each routing jump (5 s, docs/webhooks.md): return an eligible agent's id, or
   * nothing for the built-in choice. Setting it subscribes to `chats:assign`; those questions go to
   * this function and are not yielded by the iterator.
   */
  onAssign?: (question: AssignQuestion) => string | undefined | null | Promise<string | undefined | null>;
  backoff?: Partial<BackoffOptions>;
  WebSocket?: WebSocketClass;
}

export interface StreamConnectionEvents {
  connected: { appId: string; events: Trigger[]; cursor: string; heartbeat: number };
  disconnected: { code: number; reason: string; willReconnect: boolean };
  resumed: { replayed: number };
  'resync-required': { cursor: string };
  /** An error frame from the server (e.g. a late reply); the stream goes on. */
  error: { code: number; message: string };
}

/** Close codes after which reconnecting as is cannot help. */
const FINAL = new Map([
  [4001, 401],
  [1008, 400],
]);

export class EventStream implements AsyncIterable<StreamEvent> {
  readonly #transport: Transport;
  readonly #options: StreamOptions;
  readonly #backoff: BackoffOptions;
  readonly #WebSocket: WebSocketClass;
  readonly #events = new Emitter<StreamConnectionEvents, { cursor: string | undefined }>();
  readonly #queue: StreamEvent[] = [];
  #waiter: { resolve: (r: IteratorResult<StreamEvent>) => void; reject: (e: unknown) => void } | undefined;
  #failure: SwitchboardError | undefined;
  #lastError: string | undefined;
  #cursor: string | undefined;
  #socket: WebSocket | undefined;
  #closed = false;
  #attempt = 0;
  #openedAt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(transport: Transport, options: StreamOptions = {}) {
    const { appId, secret } = transport.options;
    if (!appId || !secret) throw new TypeError('client.stream() needs a client with appId and secret');
    this.#transport = transport;
    this.#options = options;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#WebSocket = options.WebSocket ?? defaultWebSocket();
    this.#cursor = options.cursor;
    this.#connect();
  }

  /** The cursor of the last frame received (or where the stream starts). */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  on<K extends keyof StreamConnectionEvents>(
    name: K,
    handler: (data: StreamConnectionEvents[K], meta: { cursor: string | undefined }) => void,
  ): this {
    this.#events.on(name, handler);
    return this;
  }

  off<K extends keyof StreamConnectionEvents>(
    name: K,
    handler: (data: StreamConnectionEvents[K], meta: { cursor: string | undefined }) => void,
  ): this {
    this.#events.off(name, handler);
    return this;
  }

  /** Ends the stream: the iterator finishes after the frames already received. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    const socket = this.#socket;
    this.#detach();
    socket?.close(1000, 'closed by the client');
    this.#events.emit(
      'disconnected',
      { code: 1000, reason: 'closed by the client', willReconnect: false },
      { cursor: this.#cursor },
    );
    this.#wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return {
      next: () => {
        const item = this.#queue.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (this.#failure) return Promise.reject(this.#failure);
        if (this.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.#waiter = { resolve, reject };
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #connect(): void {
    const events = new Set<string>(this.#options.events ?? []);
    if (this.#options.onAssign) {
      // The server's default is every trigger but chats:assign: keep that default, plus the questions.
      if (events.size === 0) for (const t of TRIGGERS) events.add(t);
      events.add('chats:assign');
    }
    const url = websocketUrl(this.#transport.origin, '/stream', {
      events: events.size > 0 ? [...events].join(',') : undefined,
      cursor: this.#cursor,
    });
    const headers = this.#transport.headers();
    // Node's WebSocket (undici) takes headers in a second argument; the stream needs them.
    const Ctor = this.#WebSocket as unknown as new (
      url: string,
      init: { headers: Record<string, string> },
    ) => WebSocket;
    const socket = new Ctor(url, { headers });
    this.#socket = socket;
    this.#openedAt = Date.now();
    socket.onmessage = (message) => {
      if (this.#socket === socket) this.#onFrame(socket, String(message.data));
    };
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#onClose(event.code, event.reason);
    };
    socket.onerror = () => {};
  }

  #detach(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
    }
  }

  #onClose(code: number, reason: string): void {
    this.#detach();
    const status = FINAL.get(code);
    this.#events.emit(
      'disconnected',
      { code, reason, willReconnect: status === undefined },
      { cursor: this.#cursor },
    );
    if (status !== undefined) {
      this.#closed = true;
      this.#failure = new SwitchboardError(
        status,
        this.#lastError ?? (reason || `the stream was closed (${code})`),
      );
      this.#wake();
      return;
    }
    if (Date.now() - this.#openedAt > 10_000) this.#attempt = 0;
    this.#retry = setTimeout(
      () => {
        if (!this.#closed) this.#connect();
      },
      backoffDelay(this.#attempt++, this.#backoff),
    );
  }

  #onFrame(socket: WebSocket, text: string): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const cursor = typeof frame.cursor === 'string' ? frame.cursor : undefined;
    if (typeof frame.trigger === 'string') {
      const event = frame as unknown as StreamEvent;
      if (event.trigger === 'chats:assign') {
        this.#answer(socket, event);
        return;
      }
      if (cursor) this.#cursor = cursor;
      this.#push(event);
      return;
    }
    if (frame.error && typeof frame.error === 'object') {
      const { code, message } = frame.error as { code?: unknown; message?: unknown };
      const error = { code: typeof code === 'number' ? code : 400, message: String(message ?? 'error') };
      this.#lastError = error.message;
      this.#events.emit('error', error, { cursor: this.#cursor });
      return;
    }
    const meta = { cursor };
    if (frame.event === 'session') {
      const session = frame.data as StreamConnectionEvents['connected'];
      this.#cursor ??= session.cursor;
      this.#lastError = undefined;
      this.#events.emit('connected', session, meta);
    } else if (frame.event === 'resumed') {
      if (cursor) this.#cursor = cursor;
      this.#events.emit('resumed', frame.data as { replayed: number }, meta);
    } else if (frame.event === 'resync-required') {
      if (cursor) this.#cursor = cursor;
      this.#events.emit('resync-required', { cursor: this.#cursor ?? '' }, meta);
    }
  }

  /** Asks `onAssign` and replies on the socket the question came on (a late answer is dropped there). */
  #answer(socket: WebSocket, question: AssignQuestion): void {
    const onAssign = this.#options.onAssign;
    if (!onAssign) return;
    Promise.resolve()
      .then(() => onAssign(question))
      .catch(() => undefined)
      .then((agentId) => {
        if (socket.readyState !== socket.OPEN) return;
        socket.send(JSON.stringify({ reply: question.id, data: agentId ? { agentId } : {} }));
      });
  }

  #push(event: StreamEvent): void {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
    } else this.#queue.push(event);
  }

  #wake(): void {
    const waiter = this.#waiter;
    if (!waiter || this.#queue.length > 0) return;
    this.#waiter = undefined;
    if (this.#failure) waiter.reject(this.#failure);
    else waiter.resolve({ value: undefined, done: true });
  }
}
