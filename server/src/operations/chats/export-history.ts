import { Type } from '@sinclair/typebox';
import { exportHistory, historyCsv } from '../../chats/history.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/chats/:id/history',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'Export the conversation (imported bot lines, then messages) as JSON or CSV',
  params: IdParams,
  query: Type.Object(
    { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) },
    { additionalProperties: false },
  ),
  status: 200,
  run: async (ctx, actor, { params }) => exportHistory(ctx, actor, params.id),
  // CSV is a download of its own; JSON goes out as { history }.
  send: (reply, history, { params, query }) => {
    if (query.format !== 'csv') return { history };
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="chat-${params.id}.csv"`)
      .send(historyCsv(history));
  },
});
