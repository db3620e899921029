import { readChatsReport } from '../../reports/reports.ts';
import { ChatsReport } from '../../wire/reports.ts';
import { operation } from '../operation.ts';
import { ChatsReportQuery, tags } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/reports/chats',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'Chats over time: volume, answered, missed, abandoned, wait and response percentiles, ratings',
  query: ChatsReportQuery,
  status: 200,
  response: ChatsReport,
  run: (ctx, actor, { query }) => readChatsReport(ctx, actor, query),
});
