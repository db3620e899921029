import { Type } from '@sinclair/typebox';
import { getTicket, listTickets } from '../../tickets/tickets.ts';
import { appOf } from '../auth.ts';
import { Id, IdParams, Next, Paging, TicketSchema, withErrors } from '../schemas.ts';
import type { Http, RouteDeps } from '../types.ts';

/** Tickets made when chats close. */
export function ticketRoutes(http: Http, { ctx }: RouteDeps): void {
  http.get(
    '/tickets',
    {
      config: { auth: ['secret'] },
      schema: {
        tags: ['tickets'],
        summary: 'Tickets, optionally of one chat (externalId = chat id)',
        querystring: Type.Object(
          { externalId: Type.Optional(Id), ...Paging },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ tickets: Type.Array(TicketSchema), next: Next }) }),
      },
    },
    async (request) => listTickets(ctx, appOf(request), request.query),
  );

  http.get(
    '/tickets/:id',
    {
      config: { auth: ['secret'] },
      schema: {
        tags: ['tickets'],
        summary: 'Get a ticket',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ ticket: TicketSchema }) }),
      },
    },
    async (request) => ({ ticket: await getTicket(ctx, appOf(request), request.params.id) }),
  );
}
