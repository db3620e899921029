import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { findApp } from '../../apps/apps.ts';
import { startSso } from '../../sso/login.ts';
import { internal, notFound } from '../../util/errors.ts';
import { operation } from '../operation.ts';

/** Where the provider sends the browser back: this server's callback, as the browser reached it. */
function callbackUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/v1/agents/sso/callback`;
}

export default operation({
  method: 'GET',
  path: '/agents/sso/start',
  // A browser navigation (no headers): the app id comes in the query and is all it takes.
  auth: null,
  caller: 'none',
  tags: ['agents'],
  summary: "Single sign-on: 302 to the app's OpenID provider (authorization code + PKCE)",
  query: Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) }),
  read: async (request) => ({
    params: {},
    query: request.query as { appId: string },
    body: callbackUrl(request),
  }),
  status: 302,
  errors: [400, 404, 503],
  run: async (ctx, _none, { query, body }) => {
    if (typeof body !== 'string') throw internal('no callback URL');
    const app = await findApp(ctx.store.db, query.appId);
    if (!app) throw notFound('App not found');
    return { location: await startSso(ctx, app, body) };
  },
  send: (reply, result) => reply.redirect(result.location, 302),
});
