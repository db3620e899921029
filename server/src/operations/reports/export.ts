import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { exportCsv, exportJson } from '../../reports/export.ts';
import { exportChats } from '../../reports/reports.ts';
import { operation } from '../operation.ts';
import { RangeQuery, tags } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/chats/export',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'Export one row per chat created in the range (CSV or JSON {chats}), streamed (secret, admin)',
  query: Type.Object(
    { ...RangeQuery, format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])) },
    { additionalProperties: false },
  ),
  status: 200,
  run: async (ctx, actor, { query }) => exportChats(ctx, actor, query),
  // Streamed a page of chats at a time, so a long range is never held in memory.
  send: (reply, chats, { query }) => {
    if (query.format === 'json') {
      return reply.type('application/json; charset=utf-8').send(Readable.from(exportJson(chats)));
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="chats.csv"')
      .send(Readable.from(exportCsv(chats)));
  },
});
