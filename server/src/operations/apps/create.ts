import { Type } from '@sinclair/typebox';
import { countApps, createApp } from '../../apps/apps.ts';
import { capReached } from '../../limits/caps.ts';
import { App, presentApp } from '../../wire/app.ts';
import { Text } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { Domains } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/apps',
  auth: ['admin'],
  caller: 'none',
  tags: ['apps'],
  summary: 'Create an app (tenant); returns its secret and domain key once',
  body: Type.Object({ name: Text(200), domains: Type.Optional(Domains) }, { additionalProperties: false }),
  status: 201,
  response: Type.Object({ app: App, secret: Type.String(), domainKey: Type.String() }),
  errors: [400, 401, 403, 404, 409],
  run: async (ctx, _caller, { body }, _services, origin) => {
    // Apps are the operator's own; a count before the insert is enough (no tenant races it).
    if ((await countApps(ctx.store.db)) >= ctx.caps.apps) throw capReached('apps', ctx.caps.apps);
    const created = await createApp(ctx.store, body, { actor: { kind: 'admin-key' }, ip: origin.ip });
    return { app: presentApp(created.app), secret: created.secret, domainKey: created.domainKey };
  },
});
