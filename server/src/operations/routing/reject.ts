import { Type } from '@sinclair/typebox';
import { rejectInvitation } from '../../routing/invitations.ts';
import { Invitation } from '../../wire/invitation.ts';
import { operation } from '../operation.ts';
import { AnswerBody, CHANGE_ERRORS } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/invitations/reject',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'Reject an invitation: the loop jumps on',
  body: AnswerBody,
  status: 200,
  response: Type.Object({ invitation: Invitation }),
  errors: CHANGE_ERRORS,
  realtime: { name: 'invitations:reject' },
  run: async (ctx, actor, { body }) => ({ invitation: await rejectInvitation(ctx, actor, body) }),
});
