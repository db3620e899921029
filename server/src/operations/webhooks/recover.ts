import { Type } from '@sinclair/typebox';
import { int } from '../../limits/ranges.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/webhooks/:id/recover',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'Send again every failed delivery created since a time (Unix seconds)',
  params: IdParams,
  body: Type.Object({ since: int('seconds') }, { additionalProperties: false }),
  status: 202,
  response: Type.Object({ queued: Type.Integer() }),
  run: async (_ctx, app, { params, body }, services) => ({
    queued: await webhooksOf(services).recover(app, params.id, body.since),
  }),
});
