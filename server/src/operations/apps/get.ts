import { Type } from '@sinclair/typebox';
import { getApp } from '../../apps/apps.ts';
import { App, presentApp } from '../../wire/app.ts';
import { operation } from '../operation.ts';
import { AppParams, visibleAppId } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/apps/:appId',
  auth: ['admin', 'secret'],
  caller: 'credentials',
  tags: ['apps'],
  summary: 'Get an app',
  params: AppParams,
  status: 200,
  response: Type.Object({ app: App }),
  run: async (ctx, credentials, { params }) => ({
    app: presentApp(await getApp(ctx.store.db, visibleAppId(credentials, params.appId))),
  }),
});
