import { Type } from '@sinclair/typebox';
import { unavailable } from '../../util/errors.ts';
import { operation } from '../operation.ts';

/**
 * Health for load balancers and monitoring (docs/scale-out.md, "Failure behaviour"). 503 only when
 * this node cannot reach the store: it can then serve nothing, and a load balancer should take it
 * out. With Redis away the node still serves every request and every socket (realtime catches up
 * from the store within a second), and Redis is shared, so every node would be taken out at once:
 * it answers 200 with `status: "degraded"` and `redis: "degraded"`, for monitoring to alert on.
 */
export default operation({
  method: 'GET',
  path: '/health',
  auth: null,
  caller: 'none',
  tags: ['misc'],
  summary: 'Liveness and backends',
  status: 200,
  response: Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    version: Type.String(),
    store: Type.String(),
    bus: Type.String(),
    /** With a Redis bus: whether this node reaches Redis. */
    redis: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('degraded')])),
  }),
  errors: [503],
  run: async (ctx, _caller, _input, { version }) => {
    try {
      await ctx.store.db.selectFrom('apps').select('id').limit(1).execute();
    } catch {
      throw unavailable('The store is unreachable', { 'retry-after': '1' });
    }
    const store = ctx.store.dialect;
    if (ctx.bus.kind !== 'redis') return { status: 'ok' as const, version, store, bus: ctx.bus.kind };
    const redis = ctx.bus.state();
    return { status: redis, version, store, bus: ctx.bus.kind, redis };
  },
});
