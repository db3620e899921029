import { type Static, Type } from '@sinclair/typebox';
import type { TicketRow } from '../store/schema.ts';
import { Message } from './message.ts';

/** The ticket a closing chat leaves (spec section 9), with its transcript. */
export const Ticket = Type.Object({
  id: Type.String(),
  externalId: Type.String(),
  chatId: Type.String(),
  subject: Type.String(),
  transcript: Type.Array(Message),
  created: Type.Integer(),
});
export type Ticket = Static<typeof Ticket>;

export function presentTicket(row: TicketRow): Ticket {
  return {
    id: row.id,
    externalId: row.chatId,
    chatId: row.chatId,
    subject: row.subject,
    transcript: JSON.parse(row.transcript) as Message[],
    created: row.created,
  };
}
