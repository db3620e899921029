import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { Ctx } from '../events/context.ts';
import { type Actor, actingAs } from '../policies/actor.ts';
import { actorOfPrincipal } from '../policies/credentials.ts';
import { internal } from '../util/errors.ts';
import { withErrors } from '../wire/error.ts';
import { OPERATIONS } from './catalog.ts';
import { type CallerKind, errorsOf, type Input, type Operation, type Services } from './operation.ts';

/**
 * Mounts every operation of the catalog as a route, in catalog order (which is the order of the
 * OpenAPI document). Each route's schema is built once here; Fastify compiles its validators and
 * serializers at startup, so a request costs what a hand-written route costs.
 *
 * `request.principal` is typed by the credential check that runs before every route (http/auth.ts).
 */
export function mountOperations(api: FastifyInstance, ctx: Ctx, services: Services): void {
  for (const op of OPERATIONS) {
    if (op.method === null) continue;
    const schema = routeSchema(op);
    const callerOf = CALLERS[op.caller];
    const config = op.auth
      ? { auth: [...op.auth], ...(op.queryCredentials ? { queryCredentials: true } : {}) }
      : {};
    const rate = op.rate;
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const caller = callerOf(request);
      // Past the app's rate cap nothing is read (an upload's body included): 429 at once.
      if (rate) await ctx.rates.take(appIdOf(caller), rate);
      // The request itself is the input ({ params, query, body }): no copy on the way in.
      const input = op.read
        ? await op.read(request, caller as never, ctx)
        : (request as Input<unknown, unknown, unknown>);
      const result = await op.run(ctx, caller as never, input as never, services, request);
      if (op.send) return op.send(reply, result as never, input as never);
      return op.status === 200 ? result : reply.code(op.status).send(result);
    };
    for (const method of typeof op.method === 'string' ? [op.method] : op.method)
      api.route({ method, url: op.path, config, schema, handler });
  }
}

/** The schema Fastify validates, serializes and documents with, in the key order routes always had. */
function routeSchema(op: Operation): FastifySchema {
  const schema: FastifySchema & { tags: string[]; summary: string; consumes?: string[] } = {
    tags: [...op.tags],
    summary: op.summary,
  };
  if (op.consumes) schema.consumes = [...op.consumes];
  if (op.params) schema.params = op.params;
  if (op.query) schema.querystring = op.query;
  if (op.body) schema.body = op.body;
  if (op.response)
    schema.response = withErrors({ [op.status]: op.response } as Record<number, TSchema>, errorsOf(op));
  return schema;
}

/** The app a rate-capped call counts against: the actor's app, or the app itself. */
function appIdOf(caller: unknown): string {
  const app = (caller as { app?: { id: string } }).app ?? (caller as { id?: string });
  if (typeof app.id !== 'string') throw internal('rate-capped route without an app caller');
  return app.id;
}

const CALLERS: Record<CallerKind, (request: FastifyRequest) => unknown> = {
  actor: (request): Actor => {
    const actor = actorOfPrincipal(request.principal);
    if (!actor) throw internal('route accepts credentials it does not handle');
    return actingAs(actor);
  },
  app: (request) => {
    const p = request.principal;
    if (p.kind === 'secret' || p.kind === 'token' || p.kind === 'public') return p.app;
    throw internal('route accepts credentials it does not handle');
  },
  credentials: (request) => request.principal,
  none: () => undefined,
};
