import { Type } from '@sinclair/typebox';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/health',
  auth: null,
  caller: 'none',
  tags: ['misc'],
  summary: 'Liveness and backends',
  status: 200,
  response: Type.Object({
    status: Type.String(),
    version: Type.String(),
    store: Type.String(),
    bus: Type.String(),
  }),
  errors: [503],
  run: async (ctx, _caller, _input, { version }) => {
    await ctx.store.db.selectFrom('apps').select('id').limit(1).execute();
    return { status: 'ok', version, store: ctx.store.dialect, bus: ctx.bus.kind };
  },
});
