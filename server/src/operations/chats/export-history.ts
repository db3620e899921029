import { Type } from '@sinclair/typebox';
import { exportHistory, historyCsv, historyJson } from '../../chats/transcript.ts';
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
  // Streamed a page at a time (docs/limits.md, "Fair share"). CSV is a download of its own; JSON goes
  // out as { history }.
  send: (reply, transcript, { params, query }) => {
    if (query.format !== 'csv')
      return reply.type('application/json; charset=utf-8').send(historyJson(transcript));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="chat-${params.id}.csv"`)
      .send(historyCsv(transcript));
  },
});
