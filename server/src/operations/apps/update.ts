import { Type } from '@sinclair/typebox';
import { updateApp } from '../../apps/apps.ts';
import { auditByPrincipal } from '../../policies/audit.ts';
import { App, presentApp } from '../../wire/app.ts';
import { Text } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { AppParams, Domains, visibleAppId } from './schemas.ts';

export default operation({
  method: 'PUT',
  path: '/apps/:appId',
  auth: ['admin', 'secret'],
  caller: 'credentials',
  tags: ['apps'],
  summary: 'Rename an app or change its domains',
  params: AppParams,
  body: Type.Object(
    { name: Type.Optional(Text(200)), domains: Type.Optional(Domains) },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ app: App }),
  run: async (ctx, credentials, { params, body }, _services, origin) => ({
    app: presentApp(
      await updateApp(
        ctx.store,
        visibleAppId(credentials, params.appId),
        body,
        auditByPrincipal(credentials, origin.ip),
      ),
    ),
  }),
});
