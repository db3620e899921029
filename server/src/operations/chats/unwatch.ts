import { Type } from '@sinclair/typebox';
import { unwatchChat } from '../../chats/watchers.ts';
import { WatchedChat } from '../../wire/chat.ts';
import { Id } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { CHANGE_ERRORS } from './schemas.ts';

export default operation({
  method: 'DELETE',
  path: '/chats/:id/watchers/:userId',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary:
    'Stop watching a chat (the watcher itself, an admin or the secret); stopping twice changes nothing',
  params: Type.Object({ id: Id, userId: Id }),
  status: 200,
  response: Type.Object({ chat: WatchedChat }),
  errors: CHANGE_ERRORS,
  run: async (ctx, actor, { params }) => ({ chat: await unwatchChat(ctx, actor, params.id, params.userId) }),
});
