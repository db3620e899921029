import { type Static, Type } from '@sinclair/typebox';
import { jsonColumn } from '../store/json.ts';
import type { TicketRow } from '../store/schema.ts';
import { Message } from './message.ts';

/** The ticket a closing chat leaves (docs/routing.md), with its transcript. */
export const Ticket = Type.Object({
  id: Type.String(),
  externalId: Type.String(),
  chatId: Type.String(),
  subject: Type.String(),
  transcript: Type.Array(Message),
  created: Type.Integer(),
});
export type Ticket = Static<typeof Ticket>;
const decodeTranscript = jsonColumn('transcript', Type.Array(Message));

export function presentTicket(row: TicketRow): Ticket {
  return {
    id: row.id,
    externalId: row.chatId,
    chatId: row.chatId,
    subject: row.subject,
    transcript: decodeTranscript(row.transcript),
    created: row.created,
  };
}
