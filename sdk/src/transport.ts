import { errorFromBody, SwitchboardError } from './errors.ts';

/** How a client reaches the server and who it is (docs/conventions.md, "Credentials"). */
export interface ClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:8000` (a trailing `/v1` is accepted). */
  baseUrl: string;
  appId?: string;
  /** App secret: full access to the app (servers and tools only, never in a browser). */
  secret?: string;
  /** Domain key: the public routes, from a browser. */
  domainKey?: string;
  /** A user's or agent's session token. */
  token?: string;
  /** Instance operator key, for `/v1/apps` (ext: used by the CLI; docs/clients.md). */
  adminKey?: string;
  /** Replaces the global `fetch` (tests, proxies). */
  fetch?: typeof fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | undefined | null | Array<string | number>;

export interface RequestOptions {
  query?: Record<string, QueryValue> | undefined;
  /** A JSON value, or `FormData` for multipart uploads. */
  body?: unknown;
  /** `json` (default) parses the answer as JSON; `text` and `bytes` return it as is. */
  as?: 'json' | 'text' | 'bytes';
  signal?: AbortSignal;
}

/** The normalised connection details every part of the SDK shares. */
export interface Transport {
  readonly options: Readonly<ClientOptions>;
  /** Origin without a trailing slash (no `/v1`). */
  readonly origin: string;
  /** Credentials as headers (the REST form). */
  headers(): Record<string, string>;
  /** `/v1` + path → the answer's body; a non-2xx rejects with `SwitchboardError`. */
  request(method: string, path: string, options?: RequestOptions): Promise<unknown>;
}

export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function createTransport(options: ClientOptions): Transport {
  if (typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
    throw new TypeError(`baseUrl must be an http:// or https:// URL, got ${JSON.stringify(options.baseUrl)}`);
  }
  const origin = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = { ...options.headers };
    if (options.appId) h['x-hyper-appid'] = options.appId;
    if (options.secret) h['x-hyper-secret'] = options.secret;
    if (options.domainKey) h['x-hyper-key'] = options.domainKey;
    if (options.token) h['x-hyper-token'] = options.token;
    if (options.adminKey) h['x-hyper-admin'] = options.adminKey;
    return h;
  };
  return {
    options,
    origin,
    headers,
    async request(method, path, { query, body, as = 'json', signal } = {}) {
      const url = `${origin}/v1${path.startsWith('/') ? path : `/${path}`}${queryString(query)}`;
      const init: RequestInit = { method: method.toUpperCase(), headers: headers() };
      if (signal) init.signal = signal;
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      let response: Response;
      try {
        response = await doFetch(url, init);
      } catch (error) {
        if (signal?.aborted) throw error;
        const reason =
          error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : '';
        throw new SwitchboardError(0, `cannot reach ${origin}${reason ? `: ${reason}` : ''}`, {
          cause: error,
        });
      }
      if (!response.ok) {
        const text = await response.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {}
        throw errorFromBody(
          response.status,
          parsed,
          `${method.toUpperCase()} ${path} answered ${response.status}`,
        );
      }
      if (as === 'bytes') return new Uint8Array(await response.arrayBuffer());
      const text = await response.text();
      if (as === 'text') return text;
      if (text.length === 0) return undefined;
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new SwitchboardError(
          response.status,
          `${method.toUpperCase()} ${path}: the answer is not JSON`,
          {
            cause: error,
          },
        );
      }
    },
  };
}
