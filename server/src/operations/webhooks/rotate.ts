import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { auditWebhook } from '../../webhooks/audit.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/webhooks/:id/rotate',
  auth: ['secret'],
  caller: 'actor',
  tags,
  summary: 'A new secret; the old one keeps signing beside it for 24 h',
  params: IdParams,
  status: 200,
  response: Type.Object({ secret: Type.String() }),
  run: async (ctx, actor, { params }, services, origin) => {
    const webhooks = webhooksOf(services);
    const secret = await webhooks.rotate(actor.app, params.id);
    const row = await webhooks.get(actor.app, params.id);
    await auditWebhook(ctx.store, auditBy(actor, origin.ip), 'webhooks.rotate', row, row);
    return { secret };
  },
});
