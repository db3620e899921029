import { type Static, Type } from '@sinclair/typebox';
import type { InvitationRow } from '../store/schema.ts';

export const InvitationStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('accepted'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
  Type.Literal('cancelled'),
]);

/** The Invitation object (docs/api.md, "Shapes"). */
export const Invitation = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  userId: Type.String(),
  inviterId: Type.Optional(Type.String()),
  status: InvitationStatus,
  transfer: Type.Boolean(),
  attempt: Type.Optional(Type.Integer()),
  created: Type.Integer(),
  expires: Type.Integer(),
});
export type Invitation = Static<typeof Invitation>;

export function presentInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    chatId: row.chatId,
    userId: row.userId,
    ...(row.inviterId !== null ? { inviterId: row.inviterId } : {}),
    status: row.status,
    transfer: row.transfer === 1,
    ...(row.attempt !== null ? { attempt: row.attempt } : {}),
    created: row.created,
    expires: row.expires,
  };
}
