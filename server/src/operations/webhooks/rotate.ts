import { Type } from '@sinclair/typebox';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { tags, webhooksOf } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/webhooks/:id/rotate',
  auth: ['secret'],
  caller: 'app',
  tags,
  summary: 'A new secret; the old one keeps signing beside it for 24 h',
  params: IdParams,
  status: 200,
  response: Type.Object({ secret: Type.String() }),
  run: async (_ctx, app, { params }, services) => ({
    secret: await webhooksOf(services).rotate(app, params.id),
  }),
});
