import type { FastifyServerOptions } from 'fastify';

/**
 * Secrets, keys and tokens never reach the log (docs/security.md, Logs). Clients may put credentials
 * in a URL's query (media downloads, `/v1/ws`), and anything may end up in an error's message, so
 * every logged URL, message and error has the values of credential parameters replaced, and the
 * credential headers are censored wherever a log object carries headers.
 */
export const REDACTED = '[redacted]';

/** The headers that carry credentials (the ones the server reads, and the usual ones of proxies). */
export const CREDENTIAL_HEADERS = [
  'x-hyper-secret',
  'x-hyper-token',
  'x-hyper-key',
  'x-hyper-admin',
  'x-hook-secret',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
] as const;

/**
 * Whether a query parameter carries a credential: the names the server accepts (`secret`, `token`,
 * `key`, the `x-hyper-*` header names but the app id) and anything named like a secret, so a client
 * that sends one in the wrong place is not logged either. The app id and cursors are not credentials.
 */
export function isCredentialName(name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (n === 'xhyperappid') return false;
  if (n.startsWith('xhyper')) return true;
  return (
    /secret|token|password|passwd|apikey|adminkey|signature|session|credential/.test(n) ||
    ['key', 'admin', 'auth', 'authorization', 'code', 'state', 'sig', 'jwt'].includes(n)
  );
}

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** One query string (without its `?`) with the values of credential parameters replaced. */
function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      // The server decodes names (`%73ecret` is `secret`), so they are judged decoded.
      return eq !== -1 && isCredentialName(decodedName(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

/**
 * Text with every URL query in it redacted: a request URL (`/v1/media/x?secret=…`), or a message
 * that quotes one. A URL's user info (`https://user:pass@host`) goes too.
 */
export function redactUrls(text: string): string {
  return text
    .replace(/\?([^\s"'<>`#]*)/g, (_match, query: string) => `?${redactQuery(query)}`)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@"'<>]*(?::[^/\s@"'<>]*)?@/gi, `$1${REDACTED}@`);
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number };
}

/** Fastify's own request serializer, with the URL redacted. */
function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrls(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/**
 * pino's error serializer, redone (pino is Fastify's, not ours): type, message, stack, the error's own
 * fields and its cause, with URLs in every string redacted and the raw bytes of a malformed request
 * (`rawPacket`, which Node's parser errors carry) dropped, since they hold its headers.
 */
function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error === 'string') return redactUrls(error);
  // An error made plain to cross a thread (the webhook worker's) keeps its strings redacted too.
  if (!(error instanceof Error)) return isRecord(error) ? redactStrings(error) : error;
  if (depth > 4) return redactUrls(error.message);
  const serialized: Record<string, unknown> = {
    type: error.constructor?.name ?? 'Error',
    message: redactUrls(error.message),
    stack: redactUrls(error.stack ?? ''),
  };
  for (const [key, value] of Object.entries(error)) {
    if (key === 'rawPacket' || key in serialized) continue;
    serialized[key] =
      value instanceof Error || typeof value === 'string' ? serializeError(value, depth + 1) : value;
  }
  if (error.cause !== undefined) serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function redactStrings(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      typeof value === 'string' ? redactUrls(value) : value,
    ]),
  );
}

function serializeTopError(error: Error): {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
} {
  return serializeError(error) as { type: string; message: string; stack: string };
}

/** Credential headers wherever a logged object holds headers, one level deep or at its root. */
const REDACT_PATHS = CREDENTIAL_HEADERS.flatMap((name) => [
  `headers["${name}"]`,
  `*.headers["${name}"]`,
]).concat(['password', '*.password', 'secret', '*.secret', 'token', '*.token']);

type LoggerOption = FastifyServerOptions['logger'];

/**
 * The logger options with redaction added: the request and error serializers, pino's `redact` for
 * headers and credential fields, and a hook that redacts URLs quoted in messages. Other options
 * (level, transport) are kept as given; `false` stays off.
 */
export function withRedaction(logger: LoggerOption): LoggerOption {
  if (!logger) return logger;
  const given = typeof logger === 'object' ? logger : {};
  return {
    ...given,
    serializers: { ...given.serializers, req: serializeRequest, err: serializeTopError },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: {
      ...given.hooks,
      logMethod(args, method, level) {
        // Redacted on the way out, after any hook given (pretty output writes its own message from
        // the request's raw URL).
        const redacting = (...out: unknown[]) =>
          method.apply(
            this,
            out.map((arg) => (typeof arg === 'string' ? redactUrls(arg) : arg)) as Parameters<typeof method>,
          );
        const next = given.hooks?.logMethod;
        if (next) return next.call(this, args, redacting as typeof method, level);
        return redacting(...args);
      },
    },
  };
}
