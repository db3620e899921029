import { Type } from '@sinclair/typebox';
import { listApps } from '../../apps/apps.ts';
import { App, presentApp } from '../../wire/app.ts';
import { Next, Paging } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/apps',
  auth: ['admin'],
  caller: 'none',
  tags: ['apps'],
  summary: 'List apps',
  query: Type.Object(Paging, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ apps: Type.Array(App), next: Next }),
  run: async (ctx, _caller, { query }) => {
    const { apps, next } = await listApps(ctx.store.db, query);
    return { apps: apps.map(presentApp), next };
  },
});
