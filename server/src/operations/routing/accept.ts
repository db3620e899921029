import { Type } from '@sinclair/typebox';
import { acceptInvitation } from '../../routing/invitations.ts';
import { Chat } from '../../wire/chat.ts';
import { Invitation } from '../../wire/invitation.ts';
import { operation } from '../operation.ts';
import { AnswerBody, CHANGE_ERRORS } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/invitations/accept',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'Accept an invitation: the agent joins the chat',
  body: AnswerBody,
  status: 200,
  response: Type.Object({ chat: Chat, invitation: Invitation }),
  errors: CHANGE_ERRORS,
  realtime: { name: 'invitations:accept' },
  run: (ctx, actor, { body }) => acceptInvitation(ctx, actor, body),
});
