import { Type } from '@sinclair/typebox';
import { watchChat } from '../../chats/watchers.ts';
import { WatchedChat } from '../../wire/chat.ts';
import { IdParams } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS, UserIdBody } from './schemas.ts';

export default operation({
  method: 'POST',
  path: '/chats/:id/watchers',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary:
    'Watch a chat silently (supervisor of its room, admin; the secret names an agent): hear every event of it, notes included, without taking part',
  params: IdParams,
  body: UserIdBody,
  status: 200,
  response: Type.Object({ chat: WatchedChat }),
  errors: CHANGE_ERRORS,
  run: async (ctx, actor, { params, body }) => ({ chat: await watchChat(ctx, actor, params.id, body) }),
});
