/**
 * INTERIM: the subset of `@switchboard/sdk` (CLIENTS.md section 2) the web apps use, written to that
 * contract while the SDK is being built on its own branch. `sdk.ts` re-exports it; when the SDK lands,
 * `sdk.ts` re-exports the package instead and this file goes away. Nothing else imports it.
 */

export interface ErrorDetail {
  field?: string;
  message?: string;
}

export class SwitchboardError extends Error {
  readonly status: number;
  readonly code: number;
  readonly details: ErrorDetail[] | undefined;
  constructor(status: number, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = 'SwitchboardError';
    this.status = status;
    this.code = status;
    this.details = details;
  }
}

export interface ClientOptions {
  baseUrl: string;
  appId: string;
  secret?: string;
  domainKey?: string;
  token?: string;
  adminKey?: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

export type Handler = (data: never, meta: { event: string; cursor: string | undefined }) => void;

export interface Realtime {
  on(name: string, handler: Handler): void;
  off(name: string, handler: Handler): void;
  request<T = unknown>(name: string, data: unknown): Promise<T>;
  readonly cursor: string | undefined;
  close(): void;
}

export interface Client {
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>;
  realtime(options?: { cursor?: string }): Realtime;
}

function headersOf(options: ClientOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.appId) headers['x-hyper-appid'] = options.appId;
  if (options.secret) headers['x-hyper-secret'] = options.secret;
  if (options.domainKey) headers['x-hyper-key'] = options.domainKey;
  if (options.token) headers['x-hyper-token'] = options.token;
  if (options.adminKey) headers['x-hyper-admin'] = options.adminKey;
  return headers;
}

export function createClient(options: ClientOptions): Client {
  const base = options.baseUrl.replace(/\/$/, '');
  async function request<T>(method: string, path: string, { query, body }: RequestOptions = {}): Promise<T> {
    const url = new URL(`${base}/v1${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers = headersOf(options);
    let payload: BodyInit | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: payload ?? null });
    } catch {
      throw new SwitchboardError(0, 'The server cannot be reached');
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    if (!response.ok) {
      const error = (parsed as { error?: { message?: string; details?: ErrorDetail[] } } | undefined)?.error;
      throw new SwitchboardError(response.status, error?.message ?? response.statusText, error?.details);
    }
    return parsed as T;
  }

  function realtime({ cursor: start }: { cursor?: string } = {}): Realtime {
    const handlers = new Map<string, Set<Handler>>();
    const pending = new Map<number, { resolve: (v: never) => void; reject: (e: unknown) => void }>();
    const queue: string[] = [];
    let cursor = start;
    let socket: WebSocket | undefined;
    let open = false;
    let closed = false;
    let nextId = 1;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const emit = (name: string, data: unknown, meta: { event: string; cursor: string | undefined }) => {
      for (const handler of handlers.get(name) ?? []) handler(data as never, meta);
    };
    const connect = () => {
      const url = new URL(`${base}/v1/ws`);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('appId', options.appId);
      if (options.token) url.searchParams.set('token', options.token);
      if (cursor) url.searchParams.set('cursor', cursor);
      const ws = new WebSocket(url);
      socket = ws;
      ws.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as {
          event?: string;
          ack?: number;
          data?: unknown;
          error?: { code: number; message: string; details?: ErrorDetail[] };
          cursor?: string;
        };
        if (frame.ack !== undefined) {
          const waiter = pending.get(frame.ack);
          pending.delete(frame.ack);
          if (frame.error) waiter?.reject(new SwitchboardError(frame.error.code, frame.error.message));
          else waiter?.resolve(frame.data as never);
          return;
        }
        if (frame.event === 'session') {
          open = true;
          attempt = 0;
          if (!cursor) cursor = (frame.data as { cursor?: string }).cursor;
          emit('connected', frame.data, { event: 'session', cursor });
          for (const text of queue.splice(0)) ws.send(text);
          return;
        }
        if (frame.cursor) cursor = frame.cursor;
        if (frame.event) emit(frame.event, frame.data, { event: frame.event, cursor });
      };
      ws.onclose = (event) => {
        const wasOpen = open;
        open = false;
        if (socket !== ws) return;
        if (wasOpen) emit('disconnected', { code: event.code }, { event: 'disconnected', cursor });
        if (closed || event.code === 4001) return;
        const delay = Math.min(10_000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
        attempt += 1;
        retry = setTimeout(connect, delay);
      };
    };
    connect();
    return {
      on(name, handler) {
        if (!handlers.has(name)) handlers.set(name, new Set());
        handlers.get(name)!.add(handler);
      },
      off(name, handler) {
        handlers.get(name)?.delete(handler);
      },
      request<T>(name: string, data: unknown): Promise<T> {
        const id = nextId++;
        const text = JSON.stringify({ id, event: name, data });
        return new Promise<T>((resolve, reject) => {
          pending.set(id, { resolve: resolve as (v: never) => void, reject });
          if (open && socket) socket.send(text);
          else queue.push(text);
        });
      },
      get cursor() {
        return cursor;
      },
      close() {
        closed = true;
        clearTimeout(retry);
        socket?.close(1000);
      },
    };
  }

  return { request, realtime };
}
