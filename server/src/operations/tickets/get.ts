import { Type } from '@sinclair/typebox';
import { getTicket } from '../../tickets/tickets.ts';
import { IdParams } from '../../wire/fields.ts';
import { Ticket } from '../../wire/ticket.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/tickets/:id',
  auth: ['secret'],
  caller: 'app',
  tags: ['tickets'],
  summary: 'Get a ticket',
  params: IdParams,
  status: 200,
  response: Type.Object({ ticket: Ticket }),
  run: async (ctx, app, { params }) => ({ ticket: await getTicket(ctx, app, params.id) }),
});
