import { Type } from '@sinclair/typebox';
import { listMessages } from '../../chats/messages.ts';
import { inRange, int } from '../../limits/ranges.ts';
import { invalidField } from '../../util/errors.ts';
import { IdParams, Next, Paging } from '../../wire/fields.ts';
import { Message } from '../../wire/message.ts';
import { operation } from '../operation.ts';

/** A message listing's cursor is the last `seq` seen, as text; it is held to the range of `after`. */
function seqCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const seq = Number(cursor);
  if (!inRange('seq', seq)) throw invalidField('cursor', 'is not a cursor this server issued');
  return seq;
}

export default operation({
  method: 'GET',
  path: '/chats/:id/messages',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['messages'],
  summary: 'Messages of a chat, oldest first, after a seq',
  params: IdParams,
  query: Type.Object(
    {
      after: Type.Optional(int('seq')),
      cursor: Type.Optional(Type.String({ pattern: '^\\d{1,10}$' })),
      limit: Paging.limit,
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ messages: Type.Array(Message), next: Next }),
  run: (ctx, actor, { params, query }) => {
    const after = query.after ?? seqCursor(query.cursor);
    return listMessages(ctx, actor, params.id, {
      ...(after !== undefined ? { after } : {}),
      limit: query.limit ?? 50,
    });
  },
});
