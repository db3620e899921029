import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type App, originAllowed } from '../apps/apps.ts';

/**
 * The browser edge: CORS for the visitor widget, which runs on the customer's own site
 * (decisions in docs/decisions.md, "Browser edge").
 *
 * A preflight carries no credentials, so it cannot name the app: every `/v1` path answers it the same
 * way, for any origin. The app's `domains` are enforced on the real request, which names its app
 * (auth.ts refuses a foreign origin with 403 before anything runs). Only browser credentials — the
 * domain key, the app id alone, a session token — may travel cross-origin: the secret and the admin
 * key are not among the allowed headers, and responses to them never carry
 * `Access-Control-Allow-Origin`. Credentials are headers, never cookies, so no
 * `Access-Control-Allow-Credentials`.
 */

export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'x-hyper-appid',
  'x-hyper-key',
  'x-hyper-token',
  'x-request-id',
];
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'content-disposition', 'content-length'];
export const CORS_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
/** Seconds a browser may reuse a preflight (Chromium caps it at 7200). */
export const CORS_MAX_AGE = 7200;

const PREFIX = '/v1';

function originOf(request: FastifyRequest): string | undefined {
  const value = request.headers.origin;
  return typeof value === 'string' && value !== '' && value !== 'null' ? value : undefined;
}

/**
 * The server's own pages (console, admin, demo) are served from the origin the browser called, so the
 * Origin names the Host the request came to. They may use every app.
 */
export function isOwnOrigin(request: FastifyRequest, origin: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === String(request.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Whether a browser on `origin` may use this app's browser credentials: any origin when the app lists
 * no `domains` (the domain key is public by nature — it sits in every page that embeds the widget),
 * else one of them or the server's own origin.
 */
export function browserOriginAllowed(request: FastifyRequest, app: App, origin: string): boolean {
  return app.domains.length === 0 || isOwnOrigin(request, origin) || originAllowed(app.domains, origin);
}

export function installCors(http: FastifyInstance): void {
  http.options(`${PREFIX}/*`, { schema: { hide: true } }, async (request, reply) => {
    reply.header('allow', `${CORS_METHODS.join(', ')}, OPTIONS`);
    const origin = originOf(request);
    const method = request.headers['access-control-request-method'];
    if (origin !== undefined && typeof method === 'string' && CORS_METHODS.includes(method.toUpperCase())) {
      reply.headers({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': CORS_METHODS.join(', '),
        'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
        'access-control-max-age': String(CORS_MAX_AGE),
      });
    }
    return reply.code(204).send();
  });

  http.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith(`${PREFIX}/`) && request.url !== PREFIX) return;
    reply.header('vary', mergeVary(reply.getHeader('vary')));
    const origin = originOf(request);
    if (origin === undefined || request.method === 'OPTIONS') return;
    // `principal` is null when auth refused the request before reading it (a foreign origin, a bad
    // token): the browser may read that refusal, so the widget can say what is wrong.
    const kind = request.principal?.kind;
    if (kind === 'admin' || kind === 'secret') return;
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS.join(', '));
  });
}

function mergeVary(current: unknown): string {
  const values = String(current ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (!values.some((v) => v.toLowerCase() === 'origin' || v === '*')) values.push('Origin');
  return values.join(', ');
}
