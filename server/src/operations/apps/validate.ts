import { Type } from '@sinclair/typebox';
import { operation } from '../operation.ts';
import { AppParams, notFoundApp } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/apps/:appId/validate',
  auth: ['secret', 'public', 'token'],
  caller: 'app',
  tags: ['apps'],
  summary: 'Check that an app id exists and matches the credentials',
  params: AppParams,
  status: 200,
  response: Type.Object({
    valid: Type.Literal(true),
    app: Type.Object({ id: Type.String(), name: Type.String() }),
  }),
  run: async (_ctx, app, { params }) => {
    if (app.id !== params.appId) throw notFoundApp();
    return { valid: true as const, app: { id: app.id, name: app.name } };
  },
});
