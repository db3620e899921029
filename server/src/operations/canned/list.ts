import { Type } from '@sinclair/typebox';
import { listCanned } from '../../canned/canned.ts';
import { CannedResponse } from '../../wire/canned.ts';
import { Next, Paging, RoomId } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { tags } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/canned',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'List canned responses (an agent: its own and the shared ones of its rooms)',
  query: Type.Object(
    {
      q: Type.Optional(Type.String({ maxLength: 200, description: 'words of shortcut, title or text' })),
      room: Type.Optional(RoomId),
      ...Paging,
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ canned: Type.Array(CannedResponse), next: Next }),
  run: (ctx, actor, { query }) => listCanned(ctx, actor, { ...query, limit: query.limit ?? 50 }),
});
