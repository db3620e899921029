import { Type } from '@sinclair/typebox';
import { listMedia } from '../../media/media.ts';
import { Id, Next, Paging } from '../../wire/fields.ts';
import { Media } from '../../wire/media.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/media',
  auth: ['secret'],
  caller: 'app',
  tags: ['media'],
  summary: 'List files, optionally of one chat',
  query: Type.Object({ chatId: Type.Optional(Id), ...Paging }, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ media: Type.Array(Media), next: Next }),
  run: (ctx, app, { query }) => listMedia(ctx, app, query),
});
