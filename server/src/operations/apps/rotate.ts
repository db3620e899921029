import { Type } from '@sinclair/typebox';
import { MAX_SECRET_GRACE_SECONDS, rotateAppSecret } from '../../apps/apps.ts';
import { auditByPrincipal } from '../../policies/audit.ts';
import { operation } from '../operation.ts';
import { AppParams, visibleAppId } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/apps/:appId/rotate',
  auth: ['admin', 'secret'],
  caller: 'credentials',
  tags: ['apps'],
  summary: 'A new app secret; the old one keeps working for graceSeconds (default 0), then answers 401',
  params: AppParams,
  body: Type.Object(
    { graceSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SECRET_GRACE_SECONDS })) },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ secret: Type.String() }),
  errors: [400, 401, 403, 404],
  run: async (ctx, credentials, { params, body }, _services, origin) => ({
    secret: await rotateAppSecret(
      ctx.store,
      visibleAppId(credentials, params.appId),
      body.graceSeconds ?? 0,
      auditByPrincipal(credentials, origin.ip),
    ),
  }),
});
