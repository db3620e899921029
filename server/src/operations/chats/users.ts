import { Type } from '@sinclair/typebox';
import { chatUsers } from '../../chats/chats.ts';
import { IdParams } from '../../wire/fields.ts';
import { User } from '../../wire/user.ts';
import { operation } from '../operation.ts';

export default operation({
  method: 'GET',
  path: '/chats/:id/users',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary: 'Participants of a chat',
  params: IdParams,
  status: 200,
  response: Type.Object({ users: Type.Array(User) }),
  run: async (ctx, actor, { params }) => ({ users: await chatUsers(ctx, actor, params.id) }),
});
