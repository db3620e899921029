import { Type } from '@sinclair/typebox';
import { auditBy } from '../../policies/audit.ts';
import { auditWebhook } from '../../webhooks/audit.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'DELETE',
  path: '/webhooks/:id',
  auth: ['secret'],
  caller: 'actor',
  tags,
  summary: 'Delete a webhook with its delivery log',
  params: IdParams,
  status: 204,
  response: Type.Null(),
  run: async (ctx, actor, { params }, services, origin) => {
    const webhooks = webhooksOf(services);
    const before = await webhooks.get(actor.app, params.id);
    await webhooks.remove(actor.app, params.id);
    await auditWebhook(ctx.store, auditBy(actor, origin.ip), 'webhooks.delete', before, undefined);
  },
});
