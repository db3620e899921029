import { createChat } from '../../chats/chats.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, ChatResponse, CreateChatBody } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/chats',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'Open a chat (one open chat per end user); fires chats:create',
  body: CreateChatBody,
  status: 201,
  response: ChatResponse,
  errors: CHANGE_ERRORS,
  realtime: { name: 'chats:create' },
  run: async (ctx, actor, { body }) => ({ chat: await createChat(ctx, actor, body) }),
});
