import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LoginOutcome, LoginTry, Throttle } from '../limits/throttle.ts';

/** The login route, whose tries are counted per contact and per address (docs/security.md). */
const LOGIN_URL = '/v1/agents/login';
/** Socket upgrades: a throttled address is refused with HTTP 429 before the upgrade, as REST is. */
const SOCKET_URLS = new Set(['/v1/ws', '/v1/stream']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The login try this request counted, settled when its answer is sent. */
    loginTry: LoginTry | null;
  }
}

/**
 * REST's and the socket upgrades' side of the throttle (limits/throttle.ts). Wrong credentials are
 * counted where they are found (http/auth.ts, the socket handshakes); a login try is counted before
 * the password is checked and settled by its answer: 200 a success, 401 a wrong password, anything
 * else (a store failure, shutdown) not a guess at all.
 */
export function installThrottle(http: FastifyInstance, throttle: Throttle): void {
  http.decorateRequest('loginTry', null);
  // Not onRequest: @fastify/websocket's own onRequest hook (registered later) must mark the upgrade
  // first, or the refused upgrade's socket is never closed.
  http.addHook('preValidation', async (request) => {
    if (SOCKET_URLS.has(request.routeOptions.url ?? '')) throttle.checkCredentials(request.ip);
  });
  // preHandler: after the app's credentials and the body are checked, so only real tries count.
  http.addHook('preHandler', async (request) => {
    if (!isLogin(request)) return;
    const principal = request.principal;
    // A token counts too: an admin person may log agents in as the app does (docs/people.md).
    if (principal.kind !== 'secret' && principal.kind !== 'public' && principal.kind !== 'token') return;
    const { contact } = request.body as { contact: string };
    request.loginTry = await throttle.beginLogin(principal.app.id, contact, request.ip);
  });
  http.addHook('onSend', async (request, reply) => {
    const attempt = request.loginTry;
    if (!attempt) return;
    request.loginTry = null;
    const status = reply.statusCode;
    const outcome: LoginOutcome = status === 200 ? 'succeeded' : status === 401 ? 'failed' : 'other';
    await throttle.endLogin(attempt, outcome);
  });
}

const isLogin = (request: FastifyRequest) =>
  request.method === 'POST' && request.routeOptions.url === LOGIN_URL;
