import { Type } from '@sinclair/typebox';
import { requireAgentToken } from '../../policies/actor.ts';
import { listInvitations } from '../../routing/invitations.ts';
import { Id, Next, Paging } from '../../wire/fields.ts';
import { Invitation, InvitationStatus } from '../../wire/invitation.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/invitations',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'Invitations (an agent: its own)',
  query: Type.Object(
    {
      userId: Type.Optional(Id),
      status: Type.Optional(InvitationStatus),
      chatId: Type.Optional(Id),
      ...Paging,
    },
    { additionalProperties: false },
  ),
  status: 200,
  response: Type.Object({ invitations: Type.Array(Invitation), next: Next }),
  run: (ctx, actor, { query }) => {
    if (actor.user) requireAgentToken(actor);
    return listInvitations(ctx, actor, query);
  },
});
