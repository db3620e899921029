import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * The browser edge: CORS for the visitor widget, which runs on the customer's own site
 * (decisions in docs/decisions.md, "Browser edge").
 *
 * A preflight carries no credentials, so it cannot name the app: every `/v1` path answers it the same
 * way, for any origin. The app's `domains` are enforced on the real request, which names its app
 * (auth.ts refuses a foreign origin with 403 before anything runs; the rule is in policies/credentials.ts). Only browser credentials — the
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
