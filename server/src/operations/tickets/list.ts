import { Type } from '@sinclair/typebox';
import { listTickets } from '../../tickets/tickets.ts';
import { Id, Next, Paging } from '../../wire/fields.ts';
import { Ticket } from '../../wire/ticket.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/tickets',
  auth: ['secret'],
  caller: 'app',
  tags: ['tickets'],
  summary: 'Tickets, optionally of one chat (externalId = chat id)',
  query: Type.Object({ externalId: Type.Optional(Id), ...Paging }, { additionalProperties: false }),
  status: 200,
  response: Type.Object({ tickets: Type.Array(Ticket), next: Next }),
  run: (ctx, app, { query }) => listTickets(ctx, app, query),
});
