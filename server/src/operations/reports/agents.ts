import { readAgentsReport } from '../../reports/reports.ts';
import { AgentsReport } from '../../wire/reports.ts';
import { operation } from '../operation.ts';
import { AgentsReportQuery, tags } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/reports/agents',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags,
  summary: 'Per agent: chats, invitations by outcome, first response, duration, online and away time',
  query: AgentsReportQuery,
  status: 200,
  response: AgentsReport,
  run: (ctx, actor, { query }) => readAgentsReport(ctx, actor, query),
});
