import { Type } from '@sinclair/typebox';
import { inviteAgent } from '../../routing/invitations.ts';
import { Id } from '../../wire/fields.ts';
import { Invitation } from '../../wire/invitation.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/invitations',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'Invite an agent to a chat (transfer: the inviter leaves once it is accepted)',
  body: Type.Object(
    { chatId: Id, userId: Id, transfer: Type.Optional(Type.Boolean()) },
    { additionalProperties: false },
  ),
  status: 201,
  response: Type.Object({ invitation: Invitation }),
  errors: CHANGE_ERRORS,
  run: async (ctx, actor, { body }) => ({ invitation: await inviteAgent(ctx, actor, body) }),
});
