import { Type } from '@sinclair/typebox';
import { listChats } from '../../chats/list.ts';
import { Chat } from '../../wire/chat.ts';
import { Next } from '../../wire/fields.ts';
import { operation } from '../operation.ts';
import { ChatListQuery } from './schemas.ts';

export default operation({
  method: 'GET',
  path: '/chats',
  auth: ['secret', 'token'],
  caller: 'actor',
  tags: ['chats'],
  summary:
    'List and search chats (a token: its own; agents also those they took part in, supervisors their rooms)',
  query: ChatListQuery,
  status: 200,
  response: Type.Object({ chats: Type.Array(Chat), next: Next }),
  // On a socket the user defaults to the token's own user.
  realtime: { name: 'users:chats', self: 'userId' },
  run: (ctx, actor, { query }) => listChats(ctx, actor, { ...query, limit: query.limit ?? 50 }),
});
