import { Type } from '@sinclair/typebox';
import { sendToInbox } from '../../routing/invitations.ts';
import { Chat } from '../../wire/chat.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/chats/:id/toinbox',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['routing'],
  summary: 'Agents leave; the chat waits again and routing restarts without them first',
  params: IdParams,
  status: 200,
  response: Type.Object({ chat: Chat }),
  errors: CHANGE_ERRORS,
  run: async (ctx, actor, { params }) => ({ chat: await sendToInbox(ctx, actor, params.id) }),
});
